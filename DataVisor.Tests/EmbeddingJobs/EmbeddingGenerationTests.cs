using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.EmbeddingJobs;

/// <summary>R22-R24, X1 and R5's cleanup, through HTTP.</summary>
public sealed class EmbeddingGenerationTests
{
    [Fact]
    public async Task Real_model_groups_drawn_images_and_similarity_returns_the_same_group_first()
    {
        using var bed = new EmbeddingJobTestBed();
        var images = new List<(string, SkiaSharp.SKBitmap?)>();
        for (var group = 0; group < 3; group++)
        {
            for (var variant = 0; variant < 4; variant++)
            {
                images.Add(($"g{group}_{variant}.png", EmbeddingJobTestBed.DrawGroupImage(group, variant)));
            }
        }

        images.Add(("broken.png", null));
        var datasetId = await bed.IngestAsync(images);

        var generate = await bed.GenerateAsync(datasetId);
        Assert.Equal(HttpStatusCode.Accepted, generate.StatusCode);
        var started = await generate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(datasetId, started.GetProperty("dataset_id").GetString());
        Assert.Equal("started", started.GetProperty("status").GetString());
        Assert.Equal("Embedding generation started", started.GetProperty("message").GetString());

        var events = await bed.ReadProgressAsync(datasetId);
        var last = events[^1].Data;
        Assert.Equal("complete", last.GetProperty("status").GetString());
        Assert.Equal(13, last.GetProperty("processed").GetInt32());
        Assert.Equal(13, last.GetProperty("total").GetInt32());
        Assert.Equal("Generated 12 embeddings (1 images skipped)", last.GetProperty("message").GetString());

        var status = await bed.StatusAsync(datasetId);
        Assert.True(status.GetProperty("has_embeddings").GetBoolean());
        Assert.Equal(12, status.GetProperty("embedding_count").GetInt64());
        Assert.Equal("resnet18-imagenet", status.GetProperty("model_name").GetString());
        Assert.False(status.GetProperty("has_reduction").GetBoolean());

        var ids = await bed.SampleIdsAsync(datasetId);
        var fileById = ids.ToDictionary(pair => pair.Value, pair => pair.Key);
        for (var group = 0; group < 3; group++)
        {
            var query = ids[$"g{group}_0.png"];
            var search = await bed.SearchAsync(datasetId, query, limit: 3);
            Assert.Equal(query, search.GetProperty("query_sample_id").GetString());
            var results = search.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(3, results.Count);
            Assert.All(results, result =>
            {
                Assert.StartsWith($"g{group}_", fileById[result.GetProperty("sample_id").GetString()!], StringComparison.Ordinal);
                Assert.Equal(fileById[result.GetProperty("sample_id").GetString()!], result.GetProperty("file_name").GetString());
                Assert.Equal(JsonValueKind.Null, result.GetProperty("thumbnail_path").ValueKind);
            });
        }

        // The broken image has no vector: an empty result, not an error.
        var none = await bed.SearchAsync(datasetId, ids["broken.png"]);
        Assert.Empty(none.GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task Progress_stream_is_dialect_b_and_idle_before_any_job()
    {
        using var bed = new EmbeddingJobTestBed(new ScriptedModelCatalog());
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);

        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/embeddings/progress", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var text = await EmbeddingJobTestBed.ReadFramesAsync(response, frames: 2);

        var idle = "event: progress\r\ndata: {\"status\":\"idle\",\"processed\":0,\"total\":0,\"message\":\"\"}\r\n\r\n";
        Assert.StartsWith(idle + idle, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_dataset_and_model_answer_in_the_contract_order()
    {
        using var bed = new EmbeddingJobTestBed(new ScriptedModelCatalog());
        var missing = await bed.GenerateAsync("nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("Dataset not found", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var progress = await bed.Client.GetAsync("/datasets/nope/embeddings/progress");
        Assert.Equal(HttpStatusCode.NotFound, progress.StatusCode);
        Assert.Equal("Dataset not found", (await progress.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var search = await bed.Client.GetAsync("/datasets/nope/similarity/search?sample_id=x");
        Assert.Equal(HttpStatusCode.NotFound, search.StatusCode);

        var cancel = await bed.Client.PostAsync("/datasets/nope/embeddings/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);

        var status = await bed.StatusAsync("nope");
        Assert.False(status.GetProperty("has_embeddings").GetBoolean());
        Assert.Equal(0, status.GetProperty("embedding_count").GetInt64());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("model_name").ValueKind);

        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        var unknown = await bed.GenerateAsync(datasetId, new { model_name = "clip-vit" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(
            "Unknown embedding model 'clip-vit'. Available models: scripted, other",
            (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var mistyped = await bed.GenerateAsync(datasetId, new { model_name = 5 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, mistyped.StatusCode);

        var noJob = await bed.Client.PostAsync($"/datasets/{datasetId}/embeddings/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, noJob.StatusCode);
        Assert.Equal("No embedding generation is running for this dataset", (await noJob.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var badLimit = await bed.Client.GetAsync($"/datasets/{datasetId}/similarity/search?sample_id=x&limit=101");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badLimit.StatusCode);
        var noSample = await bed.Client.GetAsync($"/datasets/{datasetId}/similarity/search");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noSample.StatusCode);
    }

    [Fact]
    public async Task Running_job_gives_409_and_cancel_keeps_the_previous_vectors()
    {
        var models = new ScriptedModelCatalog();
        models.SetVector("a.png", 1, 0, 0);
        models.SetVector("b.png", 0.9f, 0.1f, 0);
        models.SetVector("c.png", 0, 1, 0);
        using var bed = new EmbeddingJobTestBed(models);
        var datasetId = await bed.IngestAsync(
            [("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0)), ("b.png", EmbeddingJobTestBed.DrawGroupImage(0, 1)), ("c.png", EmbeddingJobTestBed.DrawGroupImage(1, 0))]);
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "scripted" })).StatusCode);
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());
        var ids = await bed.SampleIdsAsync(datasetId);
        var before = await bed.SearchAsync(datasetId, ids["a.png"]);
        Assert.Equal(ids["b.png"], before.GetProperty("results")[0].GetProperty("sample_id").GetString());

        models.Hold = true;
        models.SetVector("c.png", 1, 0, 0);
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "other" })).StatusCode);
        var conflict = await bed.GenerateAsync(datasetId);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("Embedding generation already running for this dataset", (await conflict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        // 409 comes before 404 in R22's order.
        Assert.Equal(HttpStatusCode.Conflict, (await bed.GenerateAsync(datasetId)).StatusCode);

        var cancel = await bed.Client.PostAsync($"/datasets/{datasetId}/embeddings/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelBody = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cancelling", cancelBody.GetProperty("status").GetString());
        Assert.Equal("Cancellation requested", cancelBody.GetProperty("message").GetString());
        models.Release();

        var last = (await bed.ReadProgressAsync(datasetId))[^1].Data;
        Assert.Equal("error", last.GetProperty("status").GetString());
        Assert.Equal("Cancelled", last.GetProperty("message").GetString());

        var status = await bed.StatusAsync(datasetId);
        Assert.Equal("scripted", status.GetProperty("model_name").GetString());
        Assert.Equal(3, status.GetProperty("embedding_count").GetInt64());
        var after = await bed.SearchAsync(datasetId, ids["a.png"]);
        Assert.Equal(before.GetRawText(), after.GetRawText());
    }

    [Fact]
    public async Task Regeneration_changes_search_results_at_once_and_delete_removes_vectors()
    {
        var models = new ScriptedModelCatalog();
        models.SetVector("a.png", 1, 0, 0);
        models.SetVector("b.png", 0.9f, 0.1f, 0);
        models.SetVector("c.png", 0, 1, 0);
        models.SetVector("d.png", 0, 0, 0);
        using var bed = new EmbeddingJobTestBed(models);
        var datasetId = await bed.IngestAsync(
        [
            ("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0)), ("b.png", EmbeddingJobTestBed.DrawGroupImage(0, 1)),
            ("c.png", EmbeddingJobTestBed.DrawGroupImage(1, 0)), ("d.png", EmbeddingJobTestBed.DrawGroupImage(2, 0)),
        ]);
        var ids = await bed.SampleIdsAsync(datasetId);
        await bed.GenerateAsync(datasetId, new { model_name = "scripted" });
        await bed.ReadProgressAsync(datasetId);
        var first = await bed.SearchAsync(datasetId, ids["a.png"]);
        var scores = first.GetProperty("results").EnumerateArray()
            .Select(r => (r.GetProperty("sample_id").GetString(), r.GetProperty("score").GetDouble())).ToList();
        Assert.Equal(ids["b.png"], scores[0].Item1);
        Assert.Equal(0.9 / Math.Sqrt(0.82), scores[0].Item2, 5);
        // c and d both score 0 (d has a zero norm): ties in ordinal order of sample id.
        var tied = new[] { ids["c.png"], ids["d.png"] }.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(tied, scores.Skip(1).Select(s => s.Item1).ToArray());
        Assert.All(scores.Skip(1), s => Assert.Equal(0, s.Item2, 6));

        models.SetVector("c.png", 1, 0.01f, 0);
        await bed.GenerateAsync(datasetId, new { model_name = "scripted" });
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());
        var second = await bed.SearchAsync(datasetId, ids["a.png"], limit: 1);
        Assert.Equal(ids["c.png"], Assert.Single(second.GetProperty("results").EnumerateArray()).GetProperty("sample_id").GetString());

        // Generating for another model makes it the active one.
        models.Dimension = 3;
        await bed.GenerateAsync(datasetId, new { model_name = "other" });
        await bed.ReadProgressAsync(datasetId);
        Assert.Equal("other", (await bed.StatusAsync(datasetId)).GetProperty("model_name").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await bed.Client.DeleteAsync($"/datasets/{datasetId}")).StatusCode);
        var status = await bed.StatusAsync(datasetId);
        Assert.Equal(0, status.GetProperty("embedding_count").GetInt64());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("model_name").ValueKind);
    }

    [Fact]
    public async Task Deleting_the_dataset_ends_the_stream_and_cancels_the_job()
    {
        var models = new ScriptedModelCatalog { Hold = true };
        models.SetVector("a.png", 1, 0, 0);
        using var bed = new EmbeddingJobTestBed(models);
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        await bed.GenerateAsync(datasetId, new { model_name = "scripted" });
        // The stream must be open (its first event read) before the delete, or it would answer 404.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/embeddings/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<ReceivedEvent>();
        await foreach (var received in EventStreamReader.ReadAsync(response, "\r\n\r\n", timeout.Token))
        {
            events.Add(received);
            if (events.Count == 1)
            {
                Assert.Equal(HttpStatusCode.NoContent, (await bed.Client.DeleteAsync($"/datasets/{datasetId}")).StatusCode);
            }
        }

        models.Release();
        var last = events[^1].Data;
        Assert.Equal("error", last.GetProperty("status").GetString());
        Assert.Equal("Dataset deleted", last.GetProperty("message").GetString());
        Assert.All(events.SkipLast(1), e => Assert.Equal("running", e.Data.GetProperty("status").GetString()));
    }
    [Fact]
    public async Task Stopping_the_service_cancels_a_running_job()
    {
        var models = new ScriptedModelCatalog();
        models.SetVector("a.png", 1, 0, 0);
        models.SetVector("b.png", 0, 1, 0);
        using var bed = new EmbeddingJobTestBed(models);
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0)), ("b.png", EmbeddingJobTestBed.DrawGroupImage(1, 0))]);
        await bed.GenerateAsync(datasetId, new { model_name = "scripted" });
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());

        models.Hold = true;
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "other" })).StatusCode);
        var jobs = bed.Api.Services.GetRequiredService<DataVisor.Api.Jobs.JobRegistry>();
        bed.Api.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();
        models.Release();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (jobs.IsRunning(datasetId, DataVisor.Api.EmbeddingJobs.EmbeddingProgress.JobKind))
        {
            await Task.Delay(20, deadline.Token);
        }

        var last = jobs.Progress<DataVisor.Api.EmbeddingJobs.EmbeddingProgress>(datasetId, DataVisor.Api.EmbeddingJobs.EmbeddingProgress.JobKind)!;
        Assert.Equal(("error", "Cancelled"), (last.Status, last.Message));
    }
}
