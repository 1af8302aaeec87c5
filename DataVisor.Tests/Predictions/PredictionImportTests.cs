using System.Net;
using DataVisor.Tests.Editing;

namespace DataVisor.Tests.Predictions;

/// <summary>
/// R6 through HTTP (contract §4.2, §5.6) on the editing test bed's small COCO dataset: images 1–3 (40 × 30,
/// files <c>instances_&lt;id&gt;.png</c>), ground truth 10/11 on image 1 and 12 on image 2, categories
/// 1 cat, 2 dog, 3 bird.
/// </summary>
public sealed class PredictionImportTests : IDisposable
{
    private const string Dash = "\u2014";
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private Task<JsonAnswer> ImportAsync(string datasetId, object body) =>
        _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", body);

    /// <summary>The stored rows of a run in sequence order: id, sample, category, box, area, crowd, confidence, seq.</summary>
    private List<object?[]> Rows(string datasetId, string run) =>
        _bed.Bed.Query($"""
            SELECT id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, confidence, seq
            FROM annotations WHERE dataset_id = '{datasetId}' AND source = '{run}' ORDER BY seq
            """);

    private static void AssertUuidV4(object? id)
    {
        var text = Assert.IsType<string>(id);
        Assert.True(Guid.TryParseExact(text, "D", out var guid));
        Assert.Equal(text, text.ToLowerInvariant());
        Assert.Equal(4, guid.Version);
    }

    [Fact]
    public async Task CocoResults_AttachMatchedItems_AndCountTheRest()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("yolo_results.json", """
            [
              {"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.9},
              {"image_id": "2", "category_id": 2, "bbox": [0.5, 0, 5, 6], "score": 0.5},
              {"image_id": 1, "category_id": 99, "bbox": [1, 1, 1, 1], "score": 0.3},
              {"image_id": 42, "category_id": 1, "bbox": [1, 1, 1, 1], "score": 0.3},
              {"category_id": 1, "bbox": [1, 1, 1, 1], "score": 0.3},
              {"image_id": 3, "category_id": 3, "bbox": [1, 2, 3, 4]},
              {"image_id": 3, "category_id": 3, "bbox": "bad", "score": 0.7, "extra": {"nested": [1, 2]}},
              7
            ]
            """);

        var answer = await ImportAsync(datasetId, new { prediction_path = path });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var json = answer.Json;
        Assert.Equal(datasetId, json.GetProperty("dataset_id").GetString());
        Assert.Equal("yolo_results", json.GetProperty("run_name").GetString());
        Assert.Equal(3, json.GetProperty("prediction_count").GetInt64());
        Assert.Equal(5, json.GetProperty("skipped_count").GetInt64());
        Assert.Equal($"Imported 3 predictions (5 skipped {Dash} unmatched files or categories)", json.GetProperty("message").GetString());

        var rows = Rows(datasetId, "yolo_results");
        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => AssertUuidV4(row[0]));
        Assert.Equal(["1", "cat", 1.0, 2.0, 3.0, 4.0, 12.0, false, 0.9, 0L], rows[0][1..]);
        Assert.Equal(["2", "dog", 0.5, 0.0, 5.0, 6.0, 30.0, false, 0.5, 1L], rows[1][1..]);
        Assert.Equal(["3", "bird", 0.0, 0.0, 0.0, 0.0, 0.0, false, 0.7, 6L], rows[2][1..]);
        Assert.Equal((3L, 3L, 3L, 3L), await _bed.CountersAsync(datasetId));
    }

    [Fact]
    public async Task NumbersBeyondDouble_CountAsAbsent()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("huge.json", """
            [{"image_id": 1, "category_id": 1, "bbox": [1e400, 0, 1, 1], "score": 0.5},
             {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": -1e400}]
            """);
        var folder = Path.Combine(_bed.Bed.DataDir, "huge_folder");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "a.json"), """
            {"filename": "instances_1.png", "annotations": [{"bbox": {"x": 1e999, "y": 0, "w": 0.5, "h": 0.5}, "confidence": 1e999, "class_id": 1}]}
            """);
        var jsonl = _bed.Bed.WriteFile("huge.jsonl", """{"filename": "instances_1.png", "label": "cat", "score": 1e999}""");

        var coco = await ImportAsync(datasetId, new { prediction_path = path, run_name = "huge" });
        var perImage = await ImportAsync(datasetId, new { prediction_path = folder, format = "detection_annotation", run_name = "huge_folder" });
        var lines = await ImportAsync(datasetId, new { prediction_path = jsonl, format = "classification_jsonl", run_name = "huge_lines" });

        // A malformed box is a zero box; a missing score skips the item.
        Assert.Equal(1, coco.Json.GetProperty("prediction_count").GetInt64());
        Assert.Equal(1, coco.Json.GetProperty("skipped_count").GetInt64());
        Assert.Equal(["1", "cat", 0.0, 0.0, 0.0, 0.0, 0.0, false, 0.5, 0L], Rows(datasetId, "huge").Single()[1..]);
        Assert.Equal(["1", "class_1", 0.0, 0.0, 20.0, 15.0, 300.0, false, null, 0L], Rows(datasetId, "huge_folder").Single()[1..]);
        Assert.Equal(["1", "cat", 0.0, 0.0, 0.0, 0.0, 0.0, false, null, 0L], Rows(datasetId, "huge_lines").Single()[1..]);
    }

    [Fact]
    public async Task NothingSkipped_MessageHasNoSuffix_AndBlankRunNameIsDerived()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("ground_truth.json", """[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1}]""");

        var answer = await ImportAsync(datasetId, new { prediction_path = path, run_name = "  ", format = "coco" });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        // A derived "ground_truth" never names a run (§5.6.4).
        Assert.Equal("ground_truth_prediction", answer.Json.GetProperty("run_name").GetString());
        Assert.Equal(0, answer.Json.GetProperty("skipped_count").GetInt64());
        Assert.Equal("Imported 1 predictions", answer.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task DerivedNames_ReplaceCommas()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("a,b.results.json", "[]");

        var answer = await ImportAsync(datasetId, new { prediction_path = path });

        Assert.Equal("a_b.results", answer.Json.GetProperty("run_name").GetString());
        Assert.Equal("Imported 0 predictions", answer.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task LargeResultsFile_IsStreamedWhole()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        const int count = 20_000;
        var path = Path.Combine(_bed.Bed.DataDir, "big.json");
        using (var writer = new StreamWriter(path))
        {
            writer.Write('[');
            for (var i = 0; i < count; i++)
            {
                writer.Write(i == 0 ? "" : ",\n");
                writer.Write($$"""{"image_id": {{1 + i % 4}}, "category_id": {{1 + i % 3}}, "bbox": [{{i % 7}}, 1.5, 2, 3], "score": {{(i % 100) / 100.0:0.00}}, "padding": "{{new string('x', i % 50)}}"}""");
            }

            writer.Write(']');
        }

        var answer = await ImportAsync(datasetId, new { prediction_path = path, run_name = "big" });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        // Image 4 does not exist: a quarter is skipped.
        Assert.Equal(count / 4 * 3, answer.Json.GetProperty("prediction_count").GetInt64());
        Assert.Equal(count / 4, answer.Json.GetProperty("skipped_count").GetInt64());
        var stats = _bed.Bed.Query($"SELECT count(*), sum(seq)::BIGINT FROM annotations WHERE dataset_id = '{datasetId}' AND source = 'big'").Single();
        var expectedSeqSum = Enumerable.Range(0, count).Where(i => i % 4 != 3).Sum(i => (long)i);
        Assert.Equal(count / 4 * 3, EditingTestBed.Long(stats[0]));
        Assert.Equal(expectedSeqSum, Convert.ToInt64(stats[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task DetectionAnnotationFolder_ScalesBoxes_KeepsNullConfidence_DerivesRunName()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var folder = Path.Combine(_bed.Bed.DataDir, "per_image");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "a.json"), """
            {"filename": "instances_1.png", "categories": {"0": "cat"},
             "annotations": [
               {"bbox": {"x": 0.1, "y": 0.2, "w": 0.5, "h": 0.5}, "confidence": 0.8, "class_id": 0},
               {"bbox": {"x": 0, "y": 0, "w": 0.25, "h": 1}, "class_id": 7},
               {"bbox": {"x": 0, "y": 0, "w": 1, "h": 1}, "confidence": 0.1}
             ],
             "info": {"annotations_source": "yolo,v8", "created_at": "2024-05-01T10:00:00Z"}}
            """);
        File.WriteAllText(Path.Combine(folder, "b.json"), """{"filename": "missing.png", "annotations": [{"bbox": {"x": 0, "y": 0, "w": 1, "h": 1}, "class_id": 0}]}""");
        File.WriteAllText(Path.Combine(folder, "c.json"), """{"filename": "instances_2.png", "annotations": [""");
        File.WriteAllText(Path.Combine(folder, "d.txt"), """{"filename": "instances_3.png", "annotations": []}""");

        var answer = await ImportAsync(datasetId, new { prediction_path = folder, format = "detection_annotation" });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("yolo_v8_2024-05-01", answer.Json.GetProperty("run_name").GetString());
        Assert.Equal(3, answer.Json.GetProperty("prediction_count").GetInt64());
        // Three *.json files, one matched.
        Assert.Equal(2, answer.Json.GetProperty("skipped_count").GetInt64());
        Assert.Equal($"Imported 3 predictions (2 skipped {Dash} unmatched files or categories)", answer.Json.GetProperty("message").GetString());
        var rows = Rows(datasetId, "yolo_v8_2024-05-01");
        Assert.Equal(["1", "cat", 4.0, 6.0, 20.0, 15.0, 300.0, false, 0.8, 0L], rows[0][1..]);
        Assert.Equal(["1", "class_7", 0.0, 0.0, 10.0, 30.0, 300.0, false, null, 1L], rows[1][1..]);
        Assert.Equal(["1", "class_-1", 0.0, 0.0, 40.0, 30.0, 1200.0, false, 0.1, 2L], rows[2][1..]);
    }

    [Theory]
    [InlineData("""{"annotations_source": "detr"}""", "detr")]
    [InlineData("""{"created_at": "2024-06-02 11:00"}""", "prediction_2024-06-02")]
    [InlineData("""{}""", "prediction")]
    public async Task DetectionAnnotationRunName_FallsBack(string info, string expected)
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var folder = Path.Combine(_bed.Bed.DataDir, "per_image");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "a.json"), $$"""{"filename": "instances_1.png", "annotations": [], "info": {{info}}}""");

        var answer = await ImportAsync(datasetId, new { prediction_path = folder, format = "detection_annotation" });

        Assert.Equal(expected, answer.Json.GetProperty("run_name").GetString());
        Assert.Equal(0, answer.Json.GetProperty("skipped_count").GetInt64());
    }

    [Fact]
    public async Task ClassificationJsonl_PicksLabelAndConfidenceKeys()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("cls_preds.jsonl", string.Join('\n',
            """{"filename": "instances_1.png", "label": "cat", "confidence": 0.9}""",
            """{"file_name": "instances_2.png", "prediction": ["dog", "cat"], "score": "high"}""",
            "   ",
            "not json",
            """{"filename": "nope.png", "label": "x"}""",
            """{"filename": "instances_3.png"}""",
            """{"image": "instances_3.png", "class": 7.50, "prob": 0.4}""",
            ""));

        var answer = await ImportAsync(datasetId, new { prediction_path = path, format = "classification_jsonl" });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("cls_preds", answer.Json.GetProperty("run_name").GetString());
        Assert.Equal(3, answer.Json.GetProperty("prediction_count").GetInt64());
        Assert.Equal(3, answer.Json.GetProperty("skipped_count").GetInt64());
        var rows = Rows(datasetId, "cls_preds");
        Assert.Equal(["1", "cat", 0.0, 0.0, 0.0, 0.0, 0.0, false, 0.9], rows[0][1..10]);
        Assert.Equal(["2", "dog", 0.0, 0.0, 0.0, 0.0, 0.0, false, null], rows[1][1..10]);
        Assert.Equal(["3", "7.50", 0.0, 0.0, 0.0, 0.0, 0.0, false, 0.4], rows[2][1..10]);
    }
}
