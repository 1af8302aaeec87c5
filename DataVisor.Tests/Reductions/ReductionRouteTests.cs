using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DataVisor.Api.Reductions;
using DataVisor.Tests.EmbeddingJobs;
using DataVisor.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataVisor.Tests.Reductions;

/// <summary>R25-R27 and X2 through HTTP (§4.9, §4.13, §6.10), on embeddings the test chooses.</summary>
public sealed class ReductionRouteTests
{
    [Fact]
    public async Task Pca_completes_and_coordinates_are_served_in_camel_case_with_labels()
    {
        using var spans = new ActivityCollector();
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 5));
        Assert.Equal("[]", await bed.CoordinatesTextAsync());
        Assert.False((await bed.Embeddings.StatusAsync(bed.DatasetId)).GetProperty("has_reduction").GetBoolean());

        // Labels: ground truth through R40, predictions from two runs through R6.
        var first = bed.Ids["c0_00.png"];
        var second = bed.Ids["c1_00.png"];
        foreach (var category in new[] { "zebra", "ant", "Zebra" })
        {
            await CreateGroundTruthAsync(bed, first, category);
        }

        await CreateGroundTruthAsync(bed, second, "ant");
        await ImportPredictionsAsync(bed, "run_b", ("c0_00.png", "dog"), ("c2_00.png", "owl"));
        await ImportPredictionsAsync(bed, "run_a", ("c0_00.png", "cat"), ("c2_00.png", "owl"));

        var started = await bed.ReduceAsync("""{"method": "pca"}""");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("started", "Dimensionality reduction started"), (body.GetProperty("status").GetString(), body.GetProperty("message").GetString()));
        var last = (await bed.ReadProgressAsync())[^1];
        Assert.Equal(("complete", "Reduced 15 embeddings to 2D"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        Assert.Equal(2, last.EnumerateObject().Count());
        Assert.True((await bed.Embeddings.StatusAsync(bed.DatasetId)).GetProperty("has_reduction").GetBoolean());

        var items = await bed.CoordinatesAsync();
        Assert.Equal(bed.Ids.Values.Order(StringComparer.Ordinal), items.Select(item => item.GetProperty("sampleId").GetString()));
        var fileNames = bed.Ids.ToDictionary(pair => pair.Value, pair => pair.Key);
        foreach (var item in items)
        {
            Assert.Equal(["sampleId", "x", "y", "fileName", "gtLabel", "predLabel", "thumbnailPath"], item.EnumerateObject().Select(property => property.Name));
            var sampleId = item.GetProperty("sampleId").GetString()!;
            Assert.Equal(fileNames[sampleId], item.GetProperty("fileName").GetString());
            Assert.Equal(JsonValueKind.Null, item.GetProperty("thumbnailPath").ValueKind);
            var (gt, pred) = fileNames[sampleId] switch
            {
                "c0_00.png" => ("Zebra", "cat"), // ordinal: upper case sorts before lower case
                "c1_00.png" => ("ant", null),
                "c2_00.png" => (null, "owl"),
                _ => ((string?)null, (string?)null),
            };
            Assert.Equal(gt, item.GetProperty("gtLabel").GetString());
            Assert.Equal(pred, item.GetProperty("predLabel").GetString());
        }

        // The layout is PCA of the stored vectors in sample-id order, and keeps the clusters apart.
        var (vectors, orderedFiles) = bed.VectorsBySampleId();
        var reference = PcaReference.Project(vectors);
        for (var row = 0; row < items.Length; row++)
        {
            Assert.Equal(bed.Ids[orderedFiles[row]], items[row].GetProperty("sampleId").GetString());
            Assert.True(Math.Abs(reference[2 * row] - items[row].GetProperty("x").GetDouble()) < 1e-4);
            Assert.True(Math.Abs(reference[2 * row + 1] - items[row].GetProperty("y").GetDouble()) < 1e-4);
        }

        var labels = bed.Vectors.Select(pair => pair.FileName[1] - '0').ToArray();
        Assert.True(LayoutQuality.SeparationRatio(await bed.LayoutAsync(), labels) < 0.3);

        // The job's span carries what was reduced and how long the fit took.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Activity? span;
        while ((span = spans.Stopped.FirstOrDefault(activity => activity.OperationName == "job reduction"
            && (string?)activity.GetTagItem("datavisor.dataset_id") == bed.DatasetId)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the reduction span did not end");
            await Task.Delay(20);
        }

        Assert.Equal<object?>("pca", span.GetTagItem("datavisor.reduction.method"));
        Assert.Equal<object?>(15, span.GetTagItem("datavisor.reduction.vectors"));
        Assert.Equal<object?>(8, span.GetTagItem("datavisor.reduction.dimension"));
        Assert.True((double)span.GetTagItem("datavisor.reduction.duration_seconds")! >= 0);
        Assert.Equal(ActivityStatusCode.Ok, span.Status);
    }

    [Fact]
    public async Task Two_runs_give_identical_coordinates_and_a_regeneration_clears_them()
    {
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 4));
        Assert.Equal("complete", (await bed.ReduceAndReadAsync("pca"))[^1].GetProperty("status").GetString());
        var firstRun = await bed.CoordinatesTextAsync();
        Assert.Equal("complete", (await bed.ReduceAndReadAsync("pca"))[^1].GetProperty("status").GetString());
        Assert.Equal(firstRun, await bed.CoordinatesTextAsync());
        Assert.Equal(12, (await bed.CoordinatesAsync()).Length);

        await bed.GenerateAsync(ReductionTestBed.Clusters(perCluster: 4, seed: 6));
        Assert.Equal("[]", await bed.CoordinatesTextAsync());
        Assert.False((await bed.Embeddings.StatusAsync(bed.DatasetId)).GetProperty("has_reduction").GetBoolean());
    }

    [Fact]
    public async Task Method_is_validated_before_the_errors_in_the_contract_order()
    {
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 2));
        foreach (var (json, input) in new[] { ("""{"method": "lda"}""", "\"lda\""), ("""{"method": "PCA"}""", "\"PCA\""), ("""{"method": 3}""", "3"), ("""{"method": null}""", "null") })
        {
            foreach (var target in new[] { bed.DatasetId, "no-such-dataset" })
            {
                var response = await bed.ReduceAsync(json, target);
                Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
                var issue = Assert.Single((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").EnumerateArray());
                Assert.Equal("literal_error", issue.GetProperty("type").GetString());
                Assert.Equal(["body", "method"], issue.GetProperty("loc").EnumerateArray().Select(part => part.GetString()));
                Assert.Equal("Input should be 'umap', 'tsne' or 'pca'", issue.GetProperty("msg").GetString());
                Assert.Equal(input, issue.GetProperty("input").GetRawText());
            }
        }

        var notAnObject = await bed.ReduceAsync("[1]");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notAnObject.StatusCode);
        Assert.Equal("dict_type", (await notAnObject.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail")[0].GetProperty("type").GetString());
        var broken = await bed.ReduceAsync("{\"method\":");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
        Assert.Equal("json_invalid", (await broken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail")[0].GetProperty("type").GetString());

        await ReductionTestBed.AssertDetailAsync(await bed.ReduceAsync("""{"method": "pca"}""", "no-such-dataset"), HttpStatusCode.NotFound, "Dataset not found");
        await ReductionTestBed.AssertDetailAsync(await bed.Client.PostAsync("/datasets/no-such-dataset/embeddings/reduce/cancel", null), HttpStatusCode.NotFound, "Dataset not found");
        await ReductionTestBed.AssertDetailAsync(await bed.Client.GetAsync("/datasets/no-such-dataset/embeddings/reduce/progress"), HttpStatusCode.NotFound, "Dataset not found");
        await ReductionTestBed.AssertDetailAsync(await bed.Client.PostAsync($"/datasets/{bed.DatasetId}/embeddings/reduce/cancel", null),
            HttpStatusCode.Conflict, "No reduction is running for this dataset");
        Assert.Equal("[]", await bed.CoordinatesTextAsync("no-such-dataset"));

        // A dataset without embeddings: 400, and nothing starts.
        var bare = await bed.Embeddings.IngestAsync([("lonely.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        await ReductionTestBed.AssertDetailAsync(await bed.ReduceAsync("""{"method": "pca"}""", bare), HttpStatusCode.BadRequest, "No embeddings found. Generate embeddings first.");
        await ReductionTestBed.AssertDetailAsync(await bed.Client.PostAsync($"/datasets/{bare}/embeddings/reduce/cancel", null),
            HttpStatusCode.Conflict, "No reduction is running for this dataset");
    }

    [Fact]
    public async Task An_absent_empty_or_null_body_means_the_default_method()
    {
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 2));
        var umapRegistered = bed.Embeddings.Api.Services.GetServices<IDimensionReducer>().Any(reducer => reducer.Method == "umap");
        foreach (var json in new[] { null, "", "{}", "null", """{"other": 1}""" })
        {
            var response = await bed.ReduceAsync(json);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var last = (await bed.ReadProgressAsync())[^1];
            // UMAP is the default; until its reducer is registered the job ends in a clean error, never a 500.
            Assert.Equal(
                umapRegistered ? ("complete", "Reduced 6 embeddings to 2D") : ("error", "Reduction method 'umap' is not available in this build of the service"),
                (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        }
    }

    [Fact]
    public async Task A_method_without_a_reducer_fails_the_job_and_keeps_the_coordinates()
    {
        // Only PCA stays registered, whatever else AddReductions brings.
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 2), services =>
        {
            services.RemoveAll<IDimensionReducer>();
            services.AddSingleton<IDimensionReducer, PcaReducer>();
        });
        await bed.ReduceAndReadAsync("pca");
        var before = await bed.CoordinatesTextAsync();
        foreach (var method in new[] { "tsne", "umap" })
        {
            var last = (await bed.ReduceAndReadAsync(method))[^1];
            Assert.Equal(("error", $"Reduction method '{method}' is not available in this build of the service"),
                (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
            Assert.Equal(before, await bed.CoordinatesTextAsync());
        }
    }

    [Fact]
    public async Task Progress_stream_is_dialect_b_and_idle_before_any_reduction()
    {
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 1));
        using var response = await bed.Client.GetAsync($"/datasets/{bed.DatasetId}/embeddings/reduce/progress", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await EmbeddingJobTestBed.ReadFramesAsync(response, frames: 2);
        const string idle = "event: progress\r\ndata: {\"status\":\"idle\",\"message\":\"\"}\r\n\r\n";
        Assert.StartsWith(idle + idle, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_held_reduction_conflicts_and_cancelling_it_keeps_the_previous_coordinates()
    {
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 3));
        await bed.ReduceAndReadAsync("pca");
        var before = await bed.CoordinatesTextAsync();

        bed.Pacing.Hold = true;
        Assert.Equal(HttpStatusCode.Accepted, (await bed.ReduceAsync("""{"method": "pca"}""")).StatusCode);
        var fitting = await bed.WaitForProgressAsync(data => data.GetProperty("status").GetString() == "fitting");
        Assert.Equal("Running PCA on 9 embeddings...", fitting.GetProperty("message").GetString());
        await ReductionTestBed.AssertDetailAsync(await bed.ReduceAsync(null), HttpStatusCode.Conflict, "Reduction already running for this dataset");
        // The body's 422 still comes first.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await bed.ReduceAsync("""{"method": "x"}""")).StatusCode);

        var cancel = await bed.Client.PostAsync($"/datasets/{bed.DatasetId}/embeddings/reduce/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelBody = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("cancelling", "Cancellation requested"), (cancelBody.GetProperty("status").GetString(), cancelBody.GetProperty("message").GetString()));
        var last = (await bed.ReadProgressAsync())[^1];
        Assert.Equal(("error", "Cancelled"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        Assert.Equal(before, await bed.CoordinatesTextAsync());

        bed.Pacing.Hold = false;
        Assert.Equal("complete", (await bed.ReduceAndReadAsync("pca"))[^1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_regeneration_during_a_reduction_discards_its_layout()
    {
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 3));
        bed.Pacing.Hold = true;
        Assert.Equal(HttpStatusCode.Accepted, (await bed.ReduceAsync("""{"method": "pca"}""")).StatusCode);
        await bed.WaitForProgressAsync(data => data.GetProperty("status").GetString() == "fitting");

        await bed.GenerateAsync(ReductionTestBed.Clusters(perCluster: 3, seed: 9));
        bed.Pacing.Release();
        var last = (await bed.ReadProgressAsync())[^1];
        Assert.Equal(("error", "Embeddings changed while reducing. Run the reduction again."), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        Assert.Equal("[]", await bed.CoordinatesTextAsync());
    }

    [Fact]
    public async Task Deleting_the_dataset_ends_a_running_reduction()
    {
        using var bed = await ReductionTestBed.CreateAsync(ReductionTestBed.Clusters(perCluster: 1));
        bed.Pacing.Hold = true;
        Assert.Equal(HttpStatusCode.Accepted, (await bed.ReduceAsync("""{"method": "pca"}""")).StatusCode);
        await bed.WaitForProgressAsync(data => data.GetProperty("status").GetString() == "fitting");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await bed.Client.GetAsync($"/datasets/{bed.DatasetId}/embeddings/reduce/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.NoContent, (await bed.Client.DeleteAsync($"/datasets/{bed.DatasetId}")).StatusCode);
        var last = (await Infrastructure.EventStreamReader.ReadAllAsync(stream, "\r\n\r\n", timeout.Token))[^1].Data;
        Assert.Equal(("error", "Dataset deleted"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        await ReductionTestBed.AssertDetailAsync(await bed.ReduceAsync(null), HttpStatusCode.NotFound, "Dataset not found");
        Assert.Equal("[]", await bed.CoordinatesTextAsync());
    }

    private static async Task CreateGroundTruthAsync(ReductionTestBed bed, string sampleId, string category)
    {
        var response = await bed.Client.PostAsJsonAsync("/annotations", new
        {
            dataset_id = bed.DatasetId, sample_id = sampleId, category_name = category, bbox_x = 1, bbox_y = 2, bbox_w = 3, bbox_h = 4,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task ImportPredictionsAsync(ReductionTestBed bed, string runName, params (string FileName, string Label)[] predictions)
    {
        var path = bed.Embeddings.Temp.Combine($"{runName}.jsonl");
        await File.WriteAllLinesAsync(path, predictions.Select(prediction =>
            JsonSerializer.Serialize(new { file_name = prediction.FileName, label = prediction.Label, confidence = 0.9 })), Encoding.UTF8);
        var response = await bed.Client.PostAsJsonAsync($"/datasets/{bed.DatasetId}/predictions", new { prediction_path = path, format = "classification_jsonl", run_name = runName });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
