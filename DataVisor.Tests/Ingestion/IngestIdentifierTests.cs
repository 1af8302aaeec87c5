namespace DataVisor.Tests.Ingestion;

/// <summary>Contract §2.10 and D1: sample ids per dataset, annotation ids unique across the database.</summary>
public sealed class IngestIdentifierTests : IDisposable
{
    private const string File = """
        {"categories": [{"id": 1, "name": "a"}],
         "images": [{"id": 1, "file_name": "x.png", "width": 2, "height": 2}, {"id": "b7", "file_name": "y.png", "width": 2, "height": 2}],
         "annotations": [
           {"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
           {"id": 6, "image_id": "b7", "category_id": 1, "bbox": [0, 0, 1, 1]},
           {"id": 6, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
           {"id": "ann_3", "image_id": 999, "category_id": 1, "bbox": [0, 0, 1, 1]}
         ]}
        """;

    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task SourceIdsAreKeptWhenFree_RepeatsAndReingestsGetFreshUuids()
    {
        var path = _bed.WriteFile("ids.json", File);

        var first = (await _bed.IngestAsync(path))[^1].GetProperty("dataset_id").GetString();
        var second = (await _bed.IngestAsync(path))[^1].GetProperty("dataset_id").GetString();

        var rows = _bed.Query("SELECT dataset_id, id, sample_id, seq FROM annotations ORDER BY dataset_id = $$" + second + "$$, seq");
        Assert.Equal(6, rows.Count);
        // First ingest: "5" and the first "6" are free; the second "6" is taken by the row before it.
        Assert.Equal([first, "5", "1", 0L], rows[0]);
        Assert.Equal([first, "6", "b7", 1L], rows[1]);
        Assert.Equal([first, "1", 2L], [rows[2][0], rows[2][2], rows[2][3]]);
        Assert.Matches(CocoIngestTests.UuidV4(), (string)rows[2][1]!);
        // Second ingest: every source id is taken by the first dataset.
        Assert.All(rows[3..], row => Assert.Equal(second, row[0]));
        Assert.All(rows[3..], row => Assert.Matches(CocoIngestTests.UuidV4(), (string)row[1]!));
        Assert.Equal(["1", "b7", "1"], rows[3..].Select(row => row[2]));
        Assert.Equal(6, rows.Select(row => row[1]).Distinct().Count());
        // Sample ids repeat across datasets; they are scoped by dataset.
        Assert.Equal([[first, "1"], [first, "b7"], [second, "1"], [second, "b7"]], _bed.Query($"SELECT dataset_id, id FROM samples ORDER BY dataset_id = '{second}', position"));
    }

    [Fact]
    public async Task ASplitPrefixesSampleAndAnnotationIds_ButNotSourceImageIds()
    {
        var path = _bed.WriteFile("_annotations.coco.json", File);

        var events = await _bed.IngestAsync(path, split: "train");

        var datasetId = events[^1].GetProperty("dataset_id").GetString();
        Assert.Equal(
            $"Ingestion complete: 2 images, 3 annotations; 1 annotations skipped (no matching image) (dataset_id={datasetId})",
            events[^1].GetProperty("message").GetString());
        Assert.Equal("_annotations.coco", (await _bed.GetJsonAsync($"/datasets/{datasetId}")).GetProperty("name").GetString());
        Assert.Equal(
            [["train_1", "1", "train"], ["train_b7", "b7", "train"]],
            _bed.Query("SELECT id, source_image_id, split FROM samples ORDER BY position"));
        var annotations = _bed.Query("SELECT id, sample_id FROM annotations ORDER BY seq");
        Assert.Equal([["train_5", "train_1"], ["train_6", "train_b7"]], annotations[..2]);
        Assert.Matches(CocoIngestTests.UuidV4(), (string)annotations[2][0]!);
    }
}
