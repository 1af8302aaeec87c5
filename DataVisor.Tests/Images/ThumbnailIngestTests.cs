using System.Text.Json;
using DataVisor.Api.Ingestion;
using DataVisor.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Images;

/// <summary>The ingest's <c>thumbnails</c> stage (contract §5.4, D25), its rollback (D4) and dataset delete (D8).</summary>
public sealed class ThumbnailIngestTests : IDisposable
{
    private readonly IngestTestBed _bed = new(new Dictionary<string, string?> { ["DATAVISOR_INGEST_THUMBNAIL_LIMIT"] = "3" });

    private string CacheDir => _bed.Temp.Combine("state", "thumbnails");

    [Fact]
    public async Task Stage_GeneratesMediumThumbnails_ForTheFirstImagesUpToTheLimit_CountingFailures()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "1.jpg"), 1000, 500);
        File.WriteAllText(ImageDatasets.ImagePath(_bed, "2.jpg"), "broken");
        TestImages.WritePng(ImageDatasets.ImagePath(_bed, "3.png"), 64, 64);
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "4.jpg"), 100, 100);

        var path = WriteCoco((1, "1.jpg"), (2, "2.jpg"), (3, "3.png"), (4, "4.jpg"), (5, "../outside.jpg"));
        var events = await _bed.IngestAsync(path);

        var thumbnails = events.Where(e => e.GetProperty("stage").GetString() == "thumbnails").Select(CocoIngestTests.Describe).ToList();
        Assert.Equal([("thumbnails", 2, (int?)3, "Generated 2 thumbnails (1 errors)")], thumbnails);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        var medium = Path.Combine(CacheDir, datasetId, "medium");
        Assert.Equal(2, Directory.GetFiles(medium).Length);

        // The pre-generated file is the one R14 serves.
        using var client = _bed.Api.CreateClient();
        var served = await client.GetByteArrayAsync($"/images/{datasetId}/1?size=medium");
        Assert.Contains(Directory.GetFiles(medium), file => File.ReadAllBytes(file).AsSpan().SequenceEqual(served));
        Assert.Equal(2, Directory.GetFiles(medium).Length);
    }

    [Fact]
    public async Task ZeroLimit_DisablesTheStage()
    {
        using var bed = new IngestTestBed(new Dictionary<string, string?> { ["DATAVISOR_INGEST_THUMBNAIL_LIMIT"] = "0" });
        TestImages.WriteJpeg(ImageDatasets.ImagePath(bed, "1.jpg"), 100, 100);

        var events = await bed.IngestAsync(bed.WriteFile("one.json", """{"images": [{"id": 1, "file_name": "1.jpg"}]}"""));
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;

        Assert.Equal(
            [("thumbnails", 0, (int?)0, "No images to generate thumbnails for")],
            events.Where(e => e.GetProperty("stage").GetString() == "thumbnails").Select(CocoIngestTests.Describe));
        Assert.False(Directory.Exists(Path.Combine(bed.Temp.Combine("state", "thumbnails"), datasetId)));
    }

    [Fact]
    public async Task ManyImages_ReportIntermediateCounts()
    {
        using var bed = new IngestTestBed(new Dictionary<string, string?> { ["DATAVISOR_INGEST_THUMBNAIL_LIMIT"] = "150" });
        TestImages.WritePng(ImageDatasets.ImagePath(bed, "tiny.png"), 8, 8);
        var images = Enumerable.Range(1, 160).Select(id => new { id, file_name = "tiny.png" });
        var path = bed.WriteFile("many.json", JsonSerializer.Serialize(new { images }));

        var events = await bed.IngestAsync(path);

        Assert.Equal(
            [("thumbnails", 100, (int?)100, "Generated 100 thumbnails (0 errors)"), ("thumbnails", 150, 150, "Generated 150 thumbnails (0 errors)")],
            events.Where(e => e.GetProperty("stage").GetString() == "thumbnails").Select(CocoIngestTests.Describe));
    }

    [Fact]
    public async Task DatasetDelete_RemovesItsThumbnailFolder_Only()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "1.jpg"), 300, 200);
        var deleted = await ImageDatasets.IngestAsync(_bed, (1, "1.jpg"));
        var kept = await ImageDatasets.IngestAsync(_bed, (1, "1.jpg"));
        using var client = _bed.Api.CreateClient();
        await client.GetByteArrayAsync($"/images/{deleted}/1?size=small");
        Assert.True(Directory.Exists(Path.Combine(CacheDir, deleted, "small")));

        using var response = await client.DeleteAsync($"/datasets/{deleted}");

        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(CacheDir, deleted)));
        Assert.True(Directory.Exists(Path.Combine(CacheDir, kept, "medium")));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync($"/images/{deleted}/1?size=small")).StatusCode);
    }

    [Fact]
    public async Task CancelledIngest_LeavesNoThumbnails()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "1.jpg"), 300, 200);
        var path = WriteCoco((1, "1.jpg"));
        using var cancellation = new CancellationTokenSource();
        string? datasetId = null;
        var sink = new IngestAtomicityTests.RecordingSink(onEvent: e =>
        {
            if (e.Stage == IngestStages.Thumbnails)
            {
                // The thumbnail exists by now; cancelling before the commit must remove it.
                datasetId = e.DatasetId;
                Assert.Single(Directory.GetFiles(Path.Combine(CacheDir, e.DatasetId!, "medium")));
                cancellation.Cancel();
            }

            return Task.CompletedTask;
        });

        var services = _bed.Api.Services;
        var (plan, rejection) = services.GetRequiredService<IngestPlanner>().Plan(new IngestRequest(path, _bed.ImageDir, null, null, null));
        Assert.Null(rejection);
        var outcome = await services.GetRequiredService<IngestService>().RunAsync(plan!, sink, cancellation.Token);

        Assert.Equal(IngestOutcome.Cancelled, outcome);
        Assert.NotNull(datasetId);
        Assert.False(Directory.Exists(Path.Combine(CacheDir, datasetId)));
    }

    private string WriteCoco(params (int Id, string FileName)[] images) =>
        _bed.WriteFile($"coco-{Guid.NewGuid():N}.json", JsonSerializer.Serialize(new
        {
            images = images.Select(image => new { id = image.Id, file_name = image.FileName }),
        }));

    public void Dispose() => _bed.Dispose();
}
