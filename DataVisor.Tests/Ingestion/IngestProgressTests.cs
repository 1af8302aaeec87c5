using System.Text;

namespace DataVisor.Tests.Ingestion;

/// <summary>Contract §5.4: parsing stages report per batch of at most 1000 records, in the fixed stage order.</summary>
public sealed class IngestProgressTests : IDisposable
{
    // The image files do not exist: thumbnail pre-generation is off so the stream shows the parsing stages only.
    private readonly IngestTestBed _bed = new(new Dictionary<string, string?> { ["DATAVISOR_INGEST_THUMBNAIL_LIMIT"] = "0" });

    public void Dispose() => _bed.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BatchesOfAThousand_InStageOrder_WhereverTheCategoriesAre(bool categoriesFirst)
    {
        var path = _bed.WriteFile("big.json", BigCoco(images: 2500, annotations: 2001, categoriesFirst));

        var events = await _bed.IngestAsync(path);

        var datasetId = events[^1].GetProperty("dataset_id").GetString();
        (string, int, int?, string)[] annotationBatches = categoriesFirst
            // Live: batches count staged records, before orphans are known.
            ? [("parsing_annotations", 1000, null, "Parsed 1000 annotations"), ("parsing_annotations", 2000, null, "Parsed 2000 annotations")]
            // Held back until the categories arrived, then replayed up to the stored count.
            : [("parsing_annotations", 1000, null, "Parsed 1000 annotations")];
        Assert.Equal(
            [
                ("categories", 2, 2, "Loaded 2 categories"),
                ("parsing_images", 1000, null, "Parsed 1000 images"),
                ("parsing_images", 2000, null, "Parsed 2000 images"),
                ("parsing_images", 2500, 2500, "Parsed 2500 images"),
                .. annotationBatches,
                ("parsing_annotations", 2000, 2000, "Parsed 2000 annotations"),
                ("thumbnails", 0, 0, "No images to generate thumbnails for"),
                ("complete", 2500, 2500, $"Ingestion complete: 2500 images, 2000 annotations; 1 annotations skipped (no matching image) (dataset_id={datasetId})"),
            ],
            events.Select(CocoIngestTests.Describe));
        var dataset = await _bed.GetJsonAsync($"/datasets/{datasetId}");
        Assert.Equal(2500, dataset.GetProperty("image_count").GetInt32());
        Assert.Equal(2000, dataset.GetProperty("annotation_count").GetInt32());
    }

    /// <summary>The last annotation is an orphan, so the stored count (2000) is below the staged one (2001).</summary>
    private static string BigCoco(int images, int annotations, bool categoriesFirst)
    {
        const string categories = "\"categories\": [{\"id\": 1, \"name\": \"a\"}, {\"id\": 2, \"name\": \"b\"}]";
        var json = new StringBuilder("{");
        if (categoriesFirst)
        {
            json.Append(categories).Append(',');
        }

        json.Append("\"images\": [");
        json.AppendJoin(',', Enumerable.Range(1, images).Select(i => $"{{\"id\": {i}, \"file_name\": \"{i}.jpg\", \"width\": 8, \"height\": 8}}"));
        json.Append("], \"annotations\": [");
        json.AppendJoin(',', Enumerable.Range(1, annotations).Select(i =>
            $"{{\"id\": {i}, \"image_id\": {(i == annotations ? 0 : 1 + i % images)}, \"category_id\": {1 + i % 2}, \"bbox\": [0, 0, 2, 2]}}"));
        json.Append(']');
        if (!categoriesFirst)
        {
            json.Append(',').Append(categories);
        }

        return json.Append('}').ToString();
    }
}
