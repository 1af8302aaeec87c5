using System.Net;
using System.Text.Json;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Samples;

/// <summary>R18 (contract §4.6) on the browse test data and on a classification dataset.</summary>
public sealed class StatisticsTests(BrowseTestData data) : IClassFixture<BrowseTestData>
{
    [Fact]
    public async Task WholeDataset()
    {
        var statistics = await data.GetAsync($"/datasets/{data.DatasetId}/statistics");
        Assert.Equal([("dog", 3L, 0L), ("cat", 2L, 1L), ("car", 1L, 0L), ("person", 0L, 1L)], Classes(statistics));
        Assert.Equal([("train", 3L), ("unassigned", 2L), ("val", 2L)], Splits(statistics));
        Assert.Equal((7L, 6L, 2L, 4L), Summary(statistics));
    }

    [Fact]
    public async Task SplitScopesClassesAndSummaryButNotTheBreakdown()
    {
        var train = await data.GetAsync($"/datasets/{data.DatasetId}/statistics?split=train");
        Assert.Equal([("cat", 2L, 1L), ("car", 1L, 0L), ("dog", 1L, 0L)], Classes(train));
        Assert.Equal([("train", 3L), ("unassigned", 2L), ("val", 2L)], Splits(train));
        Assert.Equal((3L, 4L, 1L, 3L), Summary(train));

        var none = await data.GetAsync($"/datasets/{data.DatasetId}/statistics?split=nosuch");
        Assert.Empty(Classes(none));
        Assert.Equal(3, Splits(none).Count);
        Assert.Equal((0L, 0L, 0L, 0L), Summary(none));
    }

    [Fact]
    public async Task UnknownDatasetIs404()
    {
        var body = await data.GetAsync("/datasets/nope/statistics", HttpStatusCode.NotFound);
        Assert.Equal("Dataset not found", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ClassificationCountsLabelledSamples()
    {
        using var bed = new IngestTestBed();
        TestImages.WritePng(Path.Combine(bed.ImageDir, "a.png"), 30, 20);
        var path = bed.WriteFile("labels.jsonl", string.Join('\n',
            """{"filename": "a.png", "label": "cat"}""",
            """{"filename": "a.png", "label": ["dog", "cat"]}""",
            """{"filename": "a.png", "label": []}""") + "\n");
        var (_, events) = await bed.Api.PostForEventsAsync("/datasets/ingest", new
        {
            annotation_path = path,
            image_dir = bed.ImageDir,
            format = "classification_jsonl",
            split = "val",
        });
        var datasetId = events[^1].GetProperty("dataset_id").GetString();

        var statistics = await bed.GetJsonAsync($"/datasets/{datasetId}/statistics");
        Assert.Equal([("cat", 2L, 0L), ("dog", 1L, 0L)], Classes(statistics));
        Assert.Equal([("val", 3L)], Splits(statistics));
        // Three label rows, but only two samples carry a label.
        Assert.Equal((3L, 2L, 0L, 2L), Summary(statistics));
        Assert.Equal((3L, 2L, 0L, 2L), Summary(await bed.GetJsonAsync($"/datasets/{datasetId}/statistics?split=val")));
        Assert.Equal((0L, 0L, 0L, 0L), Summary(await bed.GetJsonAsync($"/datasets/{datasetId}/statistics?split=train")));
    }

    private static List<(string?, long, long)> Classes(JsonElement statistics) =>
        statistics.GetProperty("class_distribution").EnumerateArray()
            .Select(c => (c.GetProperty("category_name").GetString(), c.GetProperty("gt_count").GetInt64(), c.GetProperty("pred_count").GetInt64()))
            .ToList();

    private static List<(string?, long)> Splits(JsonElement statistics) =>
        statistics.GetProperty("split_breakdown").EnumerateArray()
            .Select(s => (s.GetProperty("split_name").GetString(), s.GetProperty("count").GetInt64()))
            .ToList();

    private static (long, long, long, long) Summary(JsonElement statistics)
    {
        var summary = statistics.GetProperty("summary");
        return (summary.GetProperty("total_images").GetInt64(), summary.GetProperty("gt_annotations").GetInt64(),
            summary.GetProperty("pred_annotations").GetInt64(), summary.GetProperty("total_categories").GetInt64());
    }
}
