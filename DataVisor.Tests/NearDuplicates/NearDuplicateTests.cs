using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api.NearDuplicates;
using DataVisor.Tests.EmbeddingJobs;
using DataVisor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.NearDuplicates;

/// <summary>R29-R31 and X3 through HTTP, on vectors chosen by the test (§4.10, §6.11).</summary>
public sealed class NearDuplicateTests
{
    private const int Dimension = 8;

    [Fact]
    public async Task Groups_are_connected_components_of_pairs_at_or_above_the_threshold()
    {
        var (bed, datasetId, ids) = await GeneratedAsync(new ScriptedModelCatalog { Dimension = Dimension });
        using var _ = bed;

        var first = await DetectAndReadAsync(bed, datasetId, null);
        Assert.Equal("complete", first.GetProperty("status").GetString());
        Assert.Equal("Found 3 duplicate groups (7 images)", first.GetProperty("message").GetString());
        Assert.Equal((9, 9, 3, 1.0), (first.GetProperty("scanned").GetInt32(), first.GetProperty("total").GetInt32(),
            first.GetProperty("groups_found").GetInt32(), first.GetProperty("progress").GetDouble()));

        // c1-c3 (cos 0.88) is below 0.95, but the chain through c2 (cos 0.97 each) joins them; b1-b2 (0.90) stays apart.
        var report = await ResultsAsync(bed, datasetId);
        AssertGroups(report, ids, 0.95, ["c1", "c2", "c3"], ["a1", "a2"], ["n1", "n2"]);

        await DetectAndReadAsync(bed, datasetId, "0.85");
        AssertGroups(await ResultsAsync(bed, datasetId), ids, 0.85, ["c1", "c2", "c3"], ["a1", "a2"], ["b1", "b2"], ["n1", "n2"]);

        // 0.99 keeps only the exact duplicates.
        await DetectAndReadAsync(bed, datasetId, "0.99");
        AssertGroups(await ResultsAsync(bed, datasetId), ids, 0.99, ["a1", "a2"]);

        // A successful generation replaces the vectors, so the old result is gone.
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "scripted" })).StatusCode);
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());
        await AssertNoResultsAsync(bed, datasetId);

        await DetectAndReadAsync(bed, datasetId, null);
        Assert.Equal(HttpStatusCode.NoContent, (await bed.Client.DeleteAsync($"/datasets/{datasetId}")).StatusCode);
        await AssertNoResultsAsync(bed, datasetId);
    }

    [Fact]
    public async Task More_than_nine_exact_duplicates_still_form_one_group()
    {
        var models = new ScriptedModelCatalog { Dimension = 2 };
        var images = new List<(string, SkiaSharp.SKBitmap?)>();
        for (var index = 0; index < 12; index++)
        {
            models.SetVector($"d{index:D2}.png", 1, 0);
            images.Add(($"d{index:D2}.png", EmbeddingJobTestBed.DrawGroupImage(0, index % 4)));
        }

        models.SetVector("other.png", 0, 1);
        images.Add(("other.png", EmbeddingJobTestBed.DrawGroupImage(1, 0)));
        using var bed = new EmbeddingJobTestBed(models);
        var datasetId = await bed.IngestAsync(images);
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "scripted" })).StatusCode);
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());

        var last = await DetectAndReadAsync(bed, datasetId, null);
        Assert.Equal("Found 1 duplicate groups (12 images)", last.GetProperty("message").GetString());
        var ids = await bed.SampleIdsAsync(datasetId);
        var report = await ResultsAsync(bed, datasetId);
        var expected = ids.Where(pair => pair.Key.StartsWith('d')).Select(pair => pair.Value).Order(StringComparer.Ordinal);
        Assert.Equal(expected, report.GetProperty("groups")[0].GetProperty("sample_ids").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal((1, 12), (report.GetProperty("total_groups").GetInt32(), report.GetProperty("total_duplicates").GetInt32()));
    }

    [Fact]
    public async Task Only_the_nine_most_similar_neighbours_make_edges()
    {
        // p = e0; nine a's at cos 0.99 to p; ten b's at cos 0.96 to p. Every pair is above 0.95 to p, but p's
        // best nine are the a's and each b's best nine are the other b's, so no edge joins b to p or the a's.
        var models = new ScriptedModelCatalog { Dimension = 3 };
        var images = new List<(string, SkiaSharp.SKBitmap?)>();
        void Add(string name, params float[] vector)
        {
            models.SetVector($"{name}.png", vector);
            images.Add(($"{name}.png", EmbeddingJobTestBed.DrawGroupImage(images.Count % 3, images.Count % 4)));
        }

        Add("p", 1, 0, 0);
        for (var index = 0; index < 10; index++)
        {
            if (index < 9)
            {
                Add($"a{index}", 0.99f, MathF.Sqrt(1 - (0.99f * 0.99f)), 0);
            }

            Add($"b{index}", 0.96f, 0, MathF.Sqrt(1 - (0.96f * 0.96f)));
        }

        using var bed = new EmbeddingJobTestBed(models);
        var datasetId = await bed.IngestAsync(images);
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "scripted" })).StatusCode);
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());
        var ids = (await bed.SampleIdsAsync(datasetId)).ToDictionary(pair => Path.GetFileNameWithoutExtension(pair.Key), pair => pair.Value);

        var last = await DetectAndReadAsync(bed, datasetId, "0.95");
        Assert.Equal("Found 2 duplicate groups (20 images)", last.GetProperty("message").GetString());
        AssertGroups(await ResultsAsync(bed, datasetId), ids, 0.95,
            ["p", .. Enumerable.Range(0, 9).Select(index => $"a{index}")],
            [.. Enumerable.Range(0, 10).Select(index => $"b{index}")]);
    }

    [Fact]
    public async Task Without_vectors_detection_completes_with_an_empty_result()
    {
        using var bed = new EmbeddingJobTestBed(new ScriptedModelCatalog());
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        await AssertNoResultsAsync(bed, datasetId);

        var last = await DetectAndReadAsync(bed, datasetId, "0.9");
        Assert.Equal(("complete", "No embeddings found"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        var report = await ResultsAsync(bed, datasetId);
        Assert.Empty(report.GetProperty("groups").EnumerateArray());
        Assert.Equal((0, 0, 0.9), (report.GetProperty("total_groups").GetInt32(), report.GetProperty("total_duplicates").GetInt32(),
            report.GetProperty("threshold").GetDouble()));
    }

    [Fact]
    public async Task Threshold_and_unknown_datasets_answer_in_the_contract_shape_and_order()
    {
        using var bed = new EmbeddingJobTestBed(new ScriptedModelCatalog());
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        foreach (var (threshold, type) in new[] { ("0.79", "greater_than_equal"), ("0.991", "less_than_equal"), ("1", "less_than_equal"), ("high", "float_parsing") })
        {
            // 422 comes first, even for an unknown dataset.
            foreach (var target in new[] { datasetId, "no-such-dataset" })
            {
                var response = await bed.Client.PostAsync($"/datasets/{target}/near-duplicates/detect?threshold={threshold}", null);
                Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
                var issue = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail")[0];
                Assert.Equal(type, issue.GetProperty("type").GetString());
                Assert.Equal(new[] { "query", "threshold" }, issue.GetProperty("loc").EnumerateArray().Select(part => part.GetString()));
                Assert.Equal(threshold, issue.GetProperty("input").GetString());
            }
        }

        await AssertDetailAsync(await bed.Client.PostAsync("/datasets/no-such-dataset/near-duplicates/detect", null), HttpStatusCode.NotFound, "Dataset not found");
        await AssertDetailAsync(await bed.Client.PostAsync("/datasets/no-such-dataset/near-duplicates/cancel", null), HttpStatusCode.NotFound, "Dataset not found");
        await AssertDetailAsync(await bed.Client.GetAsync("/datasets/no-such-dataset/near-duplicates/progress"), HttpStatusCode.NotFound, "Dataset not found");
        await AssertDetailAsync(await bed.Client.PostAsync($"/datasets/{datasetId}/near-duplicates/cancel", null),
            HttpStatusCode.Conflict, "No near-duplicate detection is running for this dataset");
        await AssertNoResultsAsync(bed, "no-such-dataset");
    }

    [Fact]
    public async Task Progress_stream_is_dialect_b_and_idle_before_any_detection()
    {
        using var bed = new EmbeddingJobTestBed(new ScriptedModelCatalog());
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);

        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/near-duplicates/progress", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await EmbeddingJobTestBed.ReadFramesAsync(response, frames: 2);

        var idle = "event: progress\r\ndata: {\"status\":\"idle\",\"progress\":0,\"scanned\":0,\"total\":0,\"groups_found\":0,\"message\":\"Not started\"}\r\n\r\n";
        Assert.StartsWith(idle + idle, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_held_detection_conflicts_and_cancels_keeping_the_previous_result()
    {
        var pacing = new HeldPacing();
        var (bed, datasetId, ids) = await GeneratedAsync(new ScriptedModelCatalog { Dimension = Dimension }, services => services.AddSingleton<NearDuplicatePacing>(pacing));
        using var _ = bed;
        await DetectAndReadAsync(bed, datasetId, null);

        pacing.Hold = true;
        var started = await bed.Client.PostAsync($"/datasets/{datasetId}/near-duplicates/detect?threshold=0.85", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("started", "Near-duplicate detection started"), (body.GetProperty("status").GetString(), body.GetProperty("message").GetString()));
        await AssertDetailAsync(await bed.Client.PostAsync($"/datasets/{datasetId}/near-duplicates/detect?threshold=0.9", null),
            HttpStatusCode.Conflict, "Near-duplicate detection already running for this dataset");

        var cancel = await bed.Client.PostAsync($"/datasets/{datasetId}/near-duplicates/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelBody = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("cancelling", "Cancellation requested"), (cancelBody.GetProperty("status").GetString(), cancelBody.GetProperty("message").GetString()));
        var events = await ReadProgressAsync(bed, datasetId);
        Assert.All(events, received => Assert.StartsWith("event: progress\r\ndata: {", received.Frame, StringComparison.Ordinal));
        var last = events[^1].Data;
        Assert.Equal(("error", "Cancelled"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));

        // The cancelled run keeps the previous result (§4.13) and a new run may start.
        AssertGroups(await ResultsAsync(bed, datasetId), ids, 0.95, ["c1", "c2", "c3"], ["a1", "a2"], ["n1", "n2"]);
        pacing.Hold = false;
        await DetectAndReadAsync(bed, datasetId, "0.85");
        Assert.Equal(4, (await ResultsAsync(bed, datasetId)).GetProperty("total_groups").GetInt32());
    }

    [Fact]
    public async Task Deleting_the_dataset_ends_a_running_detection_and_its_results()
    {
        var pacing = new HeldPacing();
        var (bed, datasetId, _) = await GeneratedAsync(new ScriptedModelCatalog { Dimension = Dimension }, services => services.AddSingleton<NearDuplicatePacing>(pacing));
        using var _ = bed;
        await DetectAndReadAsync(bed, datasetId, null);
        pacing.Hold = true;
        Assert.Equal(HttpStatusCode.Accepted, (await bed.Client.PostAsync($"/datasets/{datasetId}/near-duplicates/detect", null)).StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await bed.Client.GetAsync($"/datasets/{datasetId}/near-duplicates/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.NoContent, (await bed.Client.DeleteAsync($"/datasets/{datasetId}")).StatusCode);
        var last = (await EventStreamReader.ReadAllAsync(stream, "\r\n\r\n", timeout.Token))[^1].Data;
        Assert.Equal(("error", "Dataset deleted"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        await AssertNoResultsAsync(bed, datasetId);
        await AssertDetailAsync(await bed.Client.PostAsync($"/datasets/{datasetId}/near-duplicates/detect", null), HttpStatusCode.NotFound, "Dataset not found");
    }

    /// <summary>
    /// a1/a2 exact duplicates (different lengths); c1-c2-c3 a chain with cos 0.97 per link (0.88 end to end);
    /// n1/n2 at cos 0.96; b1/b2 at cos 0.90.
    /// </summary>
    private static async Task<(EmbeddingJobTestBed Bed, string DatasetId, Dictionary<string, string> Ids)> GeneratedAsync(
        ScriptedModelCatalog models, Action<IServiceCollection>? configure = null)
    {
        var angle = Math.Acos(0.97);
        var vectors = new Dictionary<string, float[]>
        {
            ["a1"] = Axis((0, 1)),
            ["a2"] = Axis((0, 3)),
            ["c1"] = Axis((1, 1)),
            ["c2"] = Axis((1, Math.Cos(angle)), (2, Math.Sin(angle))),
            ["c3"] = Axis((1, Math.Cos(2 * angle)), (2, Math.Sin(2 * angle))),
            ["n1"] = Axis((3, 1)),
            ["n2"] = Axis((3, 0.96), (4, Math.Sqrt(1 - (0.96 * 0.96)))),
            ["b1"] = Axis((5, 1)),
            ["b2"] = Axis((5, 0.90), (6, Math.Sqrt(1 - (0.90 * 0.90)))),
        };
        var images = new List<(string, SkiaSharp.SKBitmap?)>();
        var index = 0;
        foreach (var (name, vector) in vectors)
        {
            models.SetVector($"{name}.png", vector);
            images.Add(($"{name}.png", EmbeddingJobTestBed.DrawGroupImage(index % 3, index++ % 4)));
        }

        var bed = new EmbeddingJobTestBed(models, configure);
        var datasetId = await bed.IngestAsync(images);
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "scripted" })).StatusCode);
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());
        var ids = (await bed.SampleIdsAsync(datasetId)).ToDictionary(pair => Path.GetFileNameWithoutExtension(pair.Key), pair => pair.Value);
        return (bed, datasetId, ids);
    }

    private static float[] Axis(params (int Axis, double Value)[] parts)
    {
        var vector = new float[Dimension];
        foreach (var (axis, value) in parts)
        {
            vector[axis] = (float)value;
        }

        return vector;
    }

    private static async Task<JsonElement> DetectAndReadAsync(EmbeddingJobTestBed bed, string datasetId, string? threshold)
    {
        var url = $"/datasets/{datasetId}/near-duplicates/detect" + (threshold is null ? "" : $"?threshold={threshold}");
        // As the frontend does: no body and no content type.
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        var response = await bed.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var events = await ReadProgressAsync(bed, datasetId);
        return events[^1].Data;
    }

    private static async Task<IReadOnlyList<ReceivedEvent>> ReadProgressAsync(EmbeddingJobTestBed bed, string datasetId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/near-duplicates/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await EventStreamReader.ReadAllAsync(response, "\r\n\r\n", timeout.Token);
    }

    private static async Task<JsonElement> ResultsAsync(EmbeddingJobTestBed bed, string datasetId)
    {
        var response = await bed.Client.GetAsync($"/datasets/{datasetId}/near-duplicates");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task AssertNoResultsAsync(EmbeddingJobTestBed bed, string datasetId) =>
        await AssertDetailAsync(await bed.Client.GetAsync($"/datasets/{datasetId}/near-duplicates"),
            HttpStatusCode.NotFound, "No near-duplicate results. Run detection first.");

    private static async Task AssertDetailAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    /// <summary>Expected groups by file name: ids in ordinal order, groups by size then first id.</summary>
    private static void AssertGroups(JsonElement report, Dictionary<string, string> ids, double threshold, params string[][] groups)
    {
        var expected = groups
            .Select(names => names.Select(name => ids[name]).Order(StringComparer.Ordinal).ToList())
            .OrderByDescending(group => group.Count)
            .ThenBy(group => group[0], StringComparer.Ordinal)
            .ToList();
        var actual = report.GetProperty("groups").EnumerateArray()
            .Select(group =>
            {
                var sampleIds = group.GetProperty("sample_ids").EnumerateArray().Select(id => id.GetString()!).ToList();
                Assert.Equal(sampleIds.Count, group.GetProperty("size").GetInt32());
                return sampleIds;
            })
            .ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(expected.Count, report.GetProperty("total_groups").GetInt32());
        Assert.Equal(expected.Sum(group => group.Count), report.GetProperty("total_duplicates").GetInt32());
        Assert.Equal(threshold, report.GetProperty("threshold").GetDouble());
    }

    /// <summary>Holds detections at their first block boundary until cancelled (or released by clearing Hold first).</summary>
    private sealed class HeldPacing : NearDuplicatePacing
    {
        public volatile bool Hold;

        public override async ValueTask BeforeBlockAsync(int scanned, CancellationToken cancellationToken)
        {
            if (Hold)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}
