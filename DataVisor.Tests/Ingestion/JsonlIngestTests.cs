using System.Text.Json;

namespace DataVisor.Tests.Ingestion;

/// <summary>Contract §5.3: classification JSONL files.</summary>
public sealed class JsonlIngestTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task LinesBecomeSamples_LabelsBecomeAnnotations_SkippedLinesAreReported()
    {
        TestImages.WritePng(Path.Combine(_bed.ImageDir, "a.png"), 30, 20);
        Directory.CreateDirectory(Path.Combine(_bed.ImageDir, "sub"));
        TestImages.WriteJpeg(Path.Combine(_bed.ImageDir, "sub", "b.jpg"), 64, 48, exifOrientation: 6);
        var path = _bed.WriteFile("labels.jsonl", string.Join('\n',
            """{"filename": "a.png", "label": "cat", "extra": {"ignored": true}}""",
            "   ",
            "not json",
            """{"image": "sub/b.jpg", "class": 7}""",
            """{"file_name": "a.png", "label": ["dog", "cat", "dog", null]}""",
            """{"path": "missing.png"}""",
            """{"label": "no file name"}""",
            "[1, 2]",
            """{"filename": "../escape.png", "label": "cat"}""",
            """{"filename": "a.png", "label": 2.50}""",
            """{"filename": "a.png", "label": []}""",
            """{"filename": "a.png", "category": true}""") + "\n");

        var (response, events) = await _bed.Api.PostForEventsAsync("/datasets/ingest", new
        {
            annotation_path = path,
            image_dir = _bed.ImageDir,
            format = "classification_jsonl",
            split = "val",
        });

        Assert.True(response.IsSuccessStatusCode);
        var datasetId = events[^1].GetProperty("dataset_id").GetString();
        Assert.Equal(
            [
                ("categories", 5, (int?)5, "Loaded 5 categories"),
                ("parsing_images", 7, 7, "Parsed 7 images"),
                ("parsing_annotations", 8, 8, "Parsed 8 annotations"),
                ("thumbnails", 6, 7, "Generated 6 thumbnails (1 errors)"),
                ("complete", 7, 7, $"Ingestion complete: 7 images, 8 annotations; 1 images skipped (file name outside the image directory); 3 lines skipped (not a JSON object with a file name) (dataset_id={datasetId})"),
            ],
            events.Select(CocoIngestTests.Describe));
        var dataset = await _bed.GetJsonAsync($"/datasets/{datasetId}");
        Assert.Equal("classification_jsonl", dataset.GetProperty("format").GetString());
        Assert.Equal("classification", dataset.GetProperty("dataset_type").GetString());
        // Declared {2.50, 7, cat, dog, true} ∪ ground truth adds "unknown".
        Assert.Equal(6, dataset.GetProperty("category_count").GetInt32());

        Assert.Equal(
            [
                ["val_0", "a.png", 30, 20, "0", 0L],
                ["val_1", "sub/b.jpg", 48, 64, "1", 1L],
                ["val_2", "a.png", 30, 20, "2", 2L],
                ["val_3", "missing.png", 0, 0, "3", 3L],
                ["val_6", "a.png", 30, 20, "6", 6L],
                ["val_7", "a.png", 30, 20, "7", 7L],
                ["val_8", "a.png", 30, 20, "8", 8L],
            ],
            _bed.Query("SELECT id, file_name, width, height, source_image_id, position FROM samples ORDER BY position"));
        Assert.Equal(
            [
                ["val_ann_0", "val_0", "cat"],
                ["val_ann_1", "val_1", "7"],
                ["val_ann_2", "val_2", "dog"],
                ["val_ann_3", "val_2", "cat"],
                ["val_ann_4", "val_2", "unknown"],
                ["val_ann_5", "val_3", "unknown"],
                ["val_ann_6", "val_6", "2.50"],
                ["val_ann_7", "val_8", "true"],
            ],
            _bed.Query("SELECT id, sample_id, category_name FROM annotations ORDER BY seq"));
        Assert.Empty(_bed.Query("SELECT id FROM annotations WHERE bbox_x <> 0 OR bbox_y <> 0 OR bbox_w <> 0 OR bbox_h <> 0 OR area <> 0 OR is_crowd OR confidence IS NOT NULL OR source <> 'ground_truth'"));
        Assert.Equal(
            [[0L, "2.50"], [1L, "7"], [2L, "cat"], [3L, "dog"], [4L, "true"]],
            _bed.Query("SELECT category_id, name FROM categories ORDER BY category_id"));
    }

    [Fact]
    public async Task WithoutAFormat_AJsonlFileIsDetected()
    {
        var path = _bed.WriteFile("detect.jsonl", "{\"filename\": \"a.jpg\", \"label\": \"cat\"}\n\n{\"image\": \"b.jpg\", \"class\": 7}\n");

        var events = await _bed.IngestAsync(path);

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        var dataset = await _bed.GetJsonAsync($"/datasets/{events[^1].GetProperty("dataset_id").GetString()}");
        Assert.Equal("classification_jsonl", dataset.GetProperty("format").GetString());
        Assert.Equal(2, dataset.GetProperty("image_count").GetInt32());
    }

    /// <summary>One-line objects that fail the JSONL sniff are read as (empty) COCO files.</summary>
    [Theory]
    [InlineData("{\"filename\": \"a.jpg\", \"label\": \"cat\", \"bbox\": [1, 2, 3, 4]}\n")]
    [InlineData("{\"filename\": \"a.jpg\"}\n")]
    [InlineData("{\"images\": [], \"annotations\": []}")]
    public async Task FilesThatFailTheSniff_AreReadAsCoco(string content)
    {
        var path = _bed.WriteFile("other.jsonl", content);

        var events = await _bed.IngestAsync(path);

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        var dataset = await _bed.GetJsonAsync($"/datasets/{events[^1].GetProperty("dataset_id").GetString()}");
        Assert.Equal("coco", dataset.GetProperty("format").GetString());
    }

    [Fact]
    public async Task AJsonlFileWithAnInvalidLineEarly_IsNotDetected_AndFailsAsCoco()
    {
        var path = _bed.WriteFile("broken.jsonl", "{\"filename\": \"a.jpg\", \"label\": \"cat\"}\nnot json\n");

        var events = await _bed.IngestAsync(path);

        Assert.Equal("error", events[^1].GetProperty("stage").GetString());
        Assert.StartsWith($"Invalid JSON in {path}: ", events[^1].GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, events[^1].GetProperty("dataset_id").ValueKind);
    }
}
