using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api.AutoTagging;
using DataVisor.Tests.EmbeddingJobs;
using DataVisor.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.AutoTagging;

/// <summary>R33, R34 and X4 through HTTP on drawn images (§4.11, §4.13, §6.13).</summary>
public sealed class AutoTagJobTests
{
    [Fact]
    public async Task Drawn_images_get_their_lighting_and_clarity_tags_merged_into_samples_facets_and_filters()
    {
        using var bed = new EmbeddingJobTestBed();
        var files = new List<(string, int, int)>();
        foreach (var family in TaggingScenes.Families)
        {
            TaggingScenes.WriteJpeg(family.Draw(21, 640, 480), Path.Combine(bed.ImageDir, $"{family.Name}.jpg"));
            files.Add(($"{family.Name}.jpg", 640, 480));
        }

        // An upright-looking JPEG stored sideways (EXIF orientation 6), and a file that is not an image.
        TestImages.WriteJpeg(Path.Combine(bed.ImageDir, "rotated.jpg"), 640, 480, exifOrientation: 6);
        files.Add(("rotated.jpg", 480, 640));
        await File.WriteAllTextAsync(Path.Combine(bed.ImageDir, "broken.jpg"), "not an image");
        files.Add(("broken.jpg", 10, 10));
        var datasetId = await bed.IngestFilesAsync(files);
        var ids = await bed.SampleIdsAsync(datasetId);

        // Tags already present stay first and are not repeated.
        var tagged = await bed.Client.PatchAsJsonAsync("/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { ids["dark.jpg"] }, tag = "mine" });
        Assert.Equal(HttpStatusCode.OK, tagged.StatusCode);
        await bed.Client.PatchAsJsonAsync("/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { ids["dark.jpg"] }, tag = "dark" });

        var last = await AutoTagRoutes.RunAsync(bed, datasetId);
        Assert.Equal(("complete", 8, 8, "Tagged 7/8 samples"),
            (last.GetProperty("status").GetString(), last.GetProperty("processed").GetInt32(), last.GetProperty("total").GetInt32(), last.GetProperty("message").GetString()));

        var expected = new Dictionary<string, string[]>
        {
            ["neutral.jpg"] = ["normal", "sharp"],
            ["dark.jpg"] = ["mine", "dark", "sharp"],
            ["dim.jpg"] = ["dim", "sharp"],
            ["bright.jpg"] = ["bright", "sharp"],
            ["blurred.jpg"] = ["normal", "blurry"],
            ["noisy.jpg"] = ["normal", "noisy"],
            ["broken.jpg"] = [],
        };
        var tags = await AutoTagRoutes.TagsByFileAsync(bed, datasetId);
        foreach (var (file, words) in expected)
        {
            Assert.Equal(words, tags[file]);
        }

        // The rotated image decodes (after orientation) and gets one word of each dimension.
        Assert.Equal(2, tags["rotated.jpg"].Length);
        Assert.Contains(tags["rotated.jpg"][0], AutoTagVocabulary.Lighting.Words);
        Assert.Contains(tags["rotated.jpg"][1], AutoTagVocabulary.Clarity.Words);

        // Facets and the tag filter see the new tags at once.
        var facets = await bed.Client.GetFromJsonAsync<JsonElement>($"/samples/filter-facets?dataset_id={datasetId}");
        var tagFacets = facets.GetProperty("tags").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("count").GetInt32());
        var expectedSharp = 4 + (tags["rotated.jpg"][1] == "sharp" ? 1 : 0);
        Assert.Equal(expectedSharp, tagFacets["sharp"]);
        Assert.Equal((1, 1, 1, 1), (tagFacets["dark"], tagFacets["blurry"], tagFacets["noisy"], tagFacets["mine"]));
        var page = await bed.Client.GetFromJsonAsync<JsonElement>($"/samples?dataset_id={datasetId}&tags=normal,blurry");
        Assert.Equal(["blurred.jpg"], page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("file_name").GetString()!));

        // A second run is stable: the same words, nothing duplicated.
        var again = await AutoTagRoutes.RunAsync(bed, datasetId);
        Assert.Equal("Tagged 7/8 samples", again.GetProperty("message").GetString());
        Assert.Equal(tags, await AutoTagRoutes.TagsByFileAsync(bed, datasetId));
    }

    [Fact]
    public async Task An_empty_dataset_has_no_samples_to_tag()
    {
        using var bed = new EmbeddingJobTestBed();
        var datasetId = await bed.IngestFilesAsync([]);
        var last = await AutoTagRoutes.RunAsync(bed, datasetId);
        Assert.Equal(("complete", 0, 0, "No samples to tag"),
            (last.GetProperty("status").GetString(), last.GetProperty("processed").GetInt32(), last.GetProperty("total").GetInt32(), last.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Unknown_datasets_answer_404_and_a_cancel_without_a_job_409()
    {
        using var bed = new EmbeddingJobTestBed();
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);

        await AutoTagRoutes.AssertDetailAsync(await AutoTagRoutes.StartAsync(bed, "no-such-dataset"), HttpStatusCode.NotFound, "Dataset not found");
        await AutoTagRoutes.AssertDetailAsync(await bed.Client.GetAsync("/datasets/no-such-dataset/auto-tag/progress"), HttpStatusCode.NotFound, "Dataset not found");
        await AutoTagRoutes.AssertDetailAsync(await bed.Client.PostAsync("/datasets/no-such-dataset/auto-tag/cancel", null), HttpStatusCode.NotFound, "Dataset not found");
        await AutoTagRoutes.AssertDetailAsync(await bed.Client.PostAsync($"/datasets/{datasetId}/auto-tag/cancel", null),
            HttpStatusCode.Conflict, "No auto-tagging is running for this dataset");

        // The body is ignored: none at all, no content type, or something that is not JSON.
        using (var bare = new HttpRequestMessage(HttpMethod.Post, $"/datasets/{datasetId}/auto-tag"))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await bed.Client.SendAsync(bare)).StatusCode);
        }

        Assert.Equal("complete", (await AutoTagRoutes.ReadProgressAsync(bed, datasetId))[^1].Data.GetProperty("status").GetString());
        var garbage = await bed.Client.PostAsync($"/datasets/{datasetId}/auto-tag", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, garbage.StatusCode);
        Assert.Equal("complete", (await AutoTagRoutes.ReadProgressAsync(bed, datasetId))[^1].Data.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Progress_stream_is_dialect_b_and_idle_before_any_job()
    {
        using var bed = new EmbeddingJobTestBed();
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);

        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/auto-tag/progress", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await EmbeddingJobTestBed.ReadFramesAsync(response, frames: 2);
        var idle = "event: progress\r\ndata: {\"status\":\"idle\",\"processed\":0,\"total\":0,\"message\":\"\"}\r\n\r\n";
        Assert.StartsWith(idle + idle, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_held_job_conflicts_and_cancels_keeping_only_whole_committed_batches()
    {
        // Held before its second batch: the first batch (64 samples in id order) is merged, the rest never is.
        var pacing = new HeldPacing { HoldFrom = AutoTagJob.BatchSize };
        using var bed = new EmbeddingJobTestBed(configure: services => services.AddSingleton<AutoTagPacing>(pacing));
        const int count = AutoTagJob.BatchSize + 6;
        var datasetId = await bed.IngestAsync([.. Enumerable.Range(0, count).Select(index => ($"s{index:D3}.png", (SkiaSharp.SKBitmap?)EmbeddingJobTestBed.DrawGroupImage(index % 3, index % 4)))]);

        Assert.Equal(HttpStatusCode.Accepted, (await AutoTagRoutes.StartAsync(bed, datasetId)).StatusCode);
        await AutoTagRoutes.AssertDetailAsync(await AutoTagRoutes.StartAsync(bed, datasetId), HttpStatusCode.Conflict, "Auto-tagging already running for this dataset");
        var held = await AutoTagRoutes.WaitForProgressAsync(bed, datasetId, data => data.GetProperty("processed").GetInt32() == AutoTagJob.BatchSize);
        Assert.Equal(("running", count, $"Tagging {AutoTagJob.BatchSize}/{count} samples..."),
            (held.GetProperty("status").GetString(), held.GetProperty("total").GetInt32(), held.GetProperty("message").GetString()));

        var cancel = await bed.Client.PostAsync($"/datasets/{datasetId}/auto-tag/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelBody = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("cancelling", "Cancellation requested"), (cancelBody.GetProperty("status").GetString(), cancelBody.GetProperty("message").GetString()));
        var last = (await AutoTagRoutes.ReadProgressAsync(bed, datasetId))[^1].Data;
        Assert.Equal(("error", "Cancelled", AutoTagJob.BatchSize),
            (last.GetProperty("status").GetString(), last.GetProperty("message").GetString(), last.GetProperty("processed").GetInt32()));

        var ids = await bed.SampleIdsAsync(datasetId);
        var firstBatch = ids.Values.Order(StringComparer.Ordinal).Take(AutoTagJob.BatchSize).ToHashSet();
        var tags = await AutoTagRoutes.TagsByFileAsync(bed, datasetId);
        foreach (var (file, id) in ids)
        {
            Assert.Equal(firstBatch.Contains(id) ? 2 : 0, tags[file].Length);
        }

        // A new job may start and completes the rest.
        pacing.HoldFrom = int.MaxValue;
        var complete = await AutoTagRoutes.RunAsync(bed, datasetId);
        Assert.Equal($"Tagged {count}/{count} samples", complete.GetProperty("message").GetString());
        Assert.All((await AutoTagRoutes.TagsByFileAsync(bed, datasetId)).Values, words => Assert.Equal(2, words.Length));
    }

    [Fact]
    public async Task Deleting_the_dataset_ends_a_running_job()
    {
        var pacing = new HeldPacing { HoldFrom = 0 };
        using var bed = new EmbeddingJobTestBed(configure: services => services.AddSingleton<AutoTagPacing>(pacing));
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        Assert.Equal(HttpStatusCode.Accepted, (await AutoTagRoutes.StartAsync(bed, datasetId)).StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await bed.Client.GetAsync($"/datasets/{datasetId}/auto-tag/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.NoContent, (await bed.Client.DeleteAsync($"/datasets/{datasetId}")).StatusCode);
        var last = (await Infrastructure.EventStreamReader.ReadAllAsync(stream, "\r\n\r\n", timeout.Token))[^1].Data;
        Assert.Equal(("error", "Dataset deleted"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        await AutoTagRoutes.AssertDetailAsync(await AutoTagRoutes.StartAsync(bed, datasetId), HttpStatusCode.NotFound, "Dataset not found");
    }

    /// <summary>Holds jobs at the first batch starting at or after <see cref="HoldFrom"/> until cancelled.</summary>
    private sealed class HeldPacing : AutoTagPacing
    {
        public volatile int HoldFrom;

        public override async ValueTask BeforeBatchAsync(int processed, CancellationToken cancellationToken)
        {
            if (processed >= HoldFrom)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}
