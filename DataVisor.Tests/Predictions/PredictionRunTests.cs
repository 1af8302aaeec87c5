using System.Net;
using DataVisor.Tests.Editing;

namespace DataVisor.Tests.Predictions;

/// <summary>R6 re-import and R7 delete: the run is swapped atomically with its triage overrides and markers (§2.5, §2.8, D7, D16).</summary>
public sealed class PredictionRunTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private Task<JsonAnswer> ImportAsync(string datasetId, object body) =>
        _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", body);

    private string WriteResults(string name, int items) =>
        _bed.Bed.WriteFile(name, "[" + string.Join(",", Enumerable.Range(0, items).Select(i =>
            $$"""{"image_id": {{1 + i % 3}}, "category_id": 1, "bbox": [{{i}}, 0, 2, 2], "score": 0.5}""")) + "]");

    private long Count(string sql) => EditingTestBed.Long(_bed.Bed.Query(sql).Single()[0]);

    /// <summary>Plants an override on the first row of <paramref name="source"/> on <paramref name="sampleId"/>, with its marker tag.</summary>
    private void PlantOverride(string datasetId, string sampleId, string source)
    {
        _bed.Execute($"""
            INSERT INTO annotation_triage
            SELECT dataset_id, id, sample_id, 'fp', now()::TIMESTAMP FROM annotations
            WHERE dataset_id = '{datasetId}' AND sample_id = '{sampleId}' AND source = '{source}' ORDER BY seq LIMIT 1;
            UPDATE samples SET tags = list_append(tags, 'triage:annotated') WHERE dataset_id = '{datasetId}' AND id = '{sampleId}';
            """);
    }

    [Fact]
    public async Task Reimport_ReplacesOnlyThatRun_WithItsOverridesAndMarkers()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(datasetId, new { prediction_path = WriteResults("r.json", 6), run_name = "model_a" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(datasetId, new { prediction_path = WriteResults("r2.json", 2), run_name = "model_b" })).Status);
        Assert.Equal((3L, 8L, 3L, 3L), await _bed.CountersAsync(datasetId));
        var oldIds = _bed.Bed.Query($"SELECT id FROM annotations WHERE dataset_id = '{datasetId}' AND source = 'model_a'").Select(r => (string)r[0]!).ToList();
        // Sample 1: override on a model_a row (goes away); sample 2: on model_b (stays); sample 3: on model_a plus a user tag.
        PlantOverride(datasetId, "1", "model_a");
        PlantOverride(datasetId, "2", "model_b");
        PlantOverride(datasetId, "3", "model_a");
        _bed.Execute($"UPDATE samples SET tags = list_prepend('mine', tags) WHERE dataset_id = '{datasetId}' AND id = '3'");

        var answer = await ImportAsync(datasetId, new { prediction_path = WriteResults("r3.json", 1), run_name = "model_a" });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(1, answer.Json.GetProperty("prediction_count").GetInt64());
        Assert.Equal((3L, 3L, 3L, 3L), await _bed.CountersAsync(datasetId));
        Assert.Equal(0, Count($"SELECT count(*) FROM annotations WHERE id IN ({string.Join(",", oldIds.Select(id => $"'{id}'"))})"));
        Assert.Equal(2, Count($"SELECT count(*) FROM annotations WHERE dataset_id = '{datasetId}' AND source = 'model_b'"));
        Assert.Equal(3, Count($"SELECT count(*) FROM annotations WHERE dataset_id = '{datasetId}' AND source = 'ground_truth'"));
        Assert.Equal(1, Count($"SELECT count(*) FROM annotation_triage WHERE dataset_id = '{datasetId}'"));
        Assert.Empty(_bed.Tags(datasetId, "1"));
        Assert.Equal(["triage:annotated"], _bed.Tags(datasetId, "2"));
        Assert.Equal(["mine"], _bed.Tags(datasetId, "3"));
    }

    [Fact]
    public async Task InvalidFile_LeavesTheStoredRunUntouched()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        await ImportAsync(datasetId, new { prediction_path = WriteResults("r.json", 4), run_name = "model_a" });
        var truncated = _bed.Bed.WriteFile("truncated.json", """[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}, {"image_id": 2""");

        var answer = await ImportAsync(datasetId, new { prediction_path = truncated, run_name = "model_a" });

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.StartsWith("Invalid prediction file: ", answer.Detail);
        Assert.Equal((3L, 4L, 3L, 3L), await _bed.CountersAsync(datasetId));
        Assert.Equal(4, Count($"SELECT count(*) FROM annotations WHERE dataset_id = '{datasetId}' AND source = 'model_a'"));
    }

    [Theory]
    [InlineData("""{"image_id": 1}""")]
    [InlineData("")]
    [InlineData("[1, 2] [3]")]
    [InlineData("[{\"image_id\": 1,}]")]
    public async Task ContentThatIsNotAResultsArray_IsInvalid(string content)
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("bad.json", content);

        var answer = await ImportAsync(datasetId, new { prediction_path = path });

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.StartsWith("Invalid prediction file: ", answer.Detail);
        Assert.Equal(0, Count($"SELECT count(*) FROM annotations WHERE dataset_id = '{datasetId}' AND source <> 'ground_truth'"));
    }

    [Fact]
    public async Task Delete_RemovesRunOverridesAndMarkers_ThenAnswers404()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        await ImportAsync(datasetId, new { prediction_path = WriteResults("r.json", 3), run_name = "model_a" });
        await ImportAsync(datasetId, new { prediction_path = WriteResults("r2.json", 1), run_name = "model_b" });
        PlantOverride(datasetId, "2", "model_a");
        PlantOverride(datasetId, "1", "ground_truth");

        var deleted = await _bed.SendAsync(HttpMethod.Delete, $"/datasets/{datasetId}/predictions/model_a");

        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Equal("", deleted.Text);
        Assert.Equal((3L, 1L, 3L, 3L), await _bed.CountersAsync(datasetId));
        Assert.Empty(_bed.Tags(datasetId, "2"));
        Assert.Equal(["triage:annotated"], _bed.Tags(datasetId, "1"));
        Assert.Equal(1, Count($"SELECT count(*) FROM annotation_triage WHERE dataset_id = '{datasetId}'"));

        var again = await _bed.SendAsync(HttpMethod.Delete, $"/datasets/{datasetId}/predictions/model_a");
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
        Assert.Equal("No predictions found for run 'model_a'", again.Detail);
    }

    [Fact]
    public async Task ImportAndDelete_KeepStatisticsInStep()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("birds.json", """
            [{"image_id": 3, "category_id": 3, "bbox": [0, 0, 2, 2], "score": 0.5},
             {"image_id": 3, "category_id": 3, "bbox": [4, 4, 2, 2], "score": 0.6},
             {"image_id": 1, "category_id": 1, "bbox": [4, 4, 2, 2], "score": 0.6}]
            """);
        await ImportAsync(datasetId, new { prediction_path = path, run_name = "birds" });

        var stats = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/statistics")).Json;
        Assert.Equal(3, stats.GetProperty("summary").GetProperty("pred_annotations").GetInt64());
        var bird = stats.GetProperty("class_distribution").EnumerateArray().Single(c => c.GetProperty("category_name").GetString() == "bird");
        Assert.Equal(0, bird.GetProperty("gt_count").GetInt64());
        Assert.Equal(2, bird.GetProperty("pred_count").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await _bed.SendAsync(HttpMethod.Delete, $"/datasets/{datasetId}/predictions/birds")).Status);

        var after = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/statistics")).Json;
        Assert.Equal(0, after.GetProperty("summary").GetProperty("pred_annotations").GetInt64());
        Assert.DoesNotContain(after.GetProperty("class_distribution").EnumerateArray(), c => c.GetProperty("category_name").GetString() == "bird");
    }

    [Fact]
    public async Task ConcurrentImportsDeletesAndEdits_AllSucceed_AndCountersHold()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var files = Enumerable.Range(0, 4).Select(i => WriteResults($"c{i}.json", 50 + i)).ToArray();
        await ImportAsync(datasetId, new { prediction_path = files[0], run_name = "doomed" });

        var work = new List<Task<JsonAnswer>>();
        for (var round = 0; round < 3; round++)
        {
            work.AddRange(files.Select((file, i) => ImportAsync(datasetId, new { prediction_path = file, run_name = $"run{i}" })));
            work.Add(_bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { "1", "2" }, tag = $"t{round}" }));
            work.Add(_bed.SendAsync(HttpMethod.Patch, "/annotations/12/category", new { category_name = $"cat{round}" }));
        }

        work.Add(_bed.SendAsync(HttpMethod.Delete, $"/datasets/{datasetId}/predictions/doomed"));
        var answers = await Task.WhenAll(work);

        Assert.All(answers, answer => Assert.True(answer.Status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{answer.Status}: {answer.Text}"));
        // Runs hold 50 … 53 rows; the last import of each run wins, and every import replaced the whole run.
        Assert.Equal(50 + 51 + 52 + 53, (await _bed.CountersAsync(datasetId)).Predictions);
        Assert.Equal(50 + 51 + 52 + 53, Count($"SELECT count(*) FROM annotations WHERE dataset_id = '{datasetId}' AND source <> 'ground_truth'"));
    }

    [Fact]
    public async Task Delete_ChecksGroundTruthFirst_ThenDataset()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var groundTruth = await _bed.SendAsync(HttpMethod.Delete, "/datasets/unknown/predictions/ground_truth");
        Assert.Equal(HttpStatusCode.BadRequest, groundTruth.Status);
        Assert.Equal("Cannot delete ground_truth annotations", groundTruth.Detail);

        var unknown = await _bed.SendAsync(HttpMethod.Delete, "/datasets/unknown/predictions/model_a");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("Dataset not found", unknown.Detail);

        Assert.Equal((3L, 0L, 3L, 3L), await _bed.CountersAsync(datasetId));
    }

    [Fact]
    public async Task ImportErrors_AreCheckedInContractOrder()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var missing = Path.Combine(_bed.Bed.DataDir, "missing.json");

        async Task Expect(string id, object body, HttpStatusCode status, string detail)
        {
            var answer = await ImportAsync(id, body);
            Assert.Equal(status, answer.Status);
            Assert.Equal(detail, answer.Detail);
        }

        // Each request also carries every later problem, so each answer proves the order.
        await Expect("unknown", new { prediction_path = missing, run_name = "ground_truth", split = "nope" }, HttpStatusCode.NotFound, "Dataset not found");
        await Expect(datasetId, new { prediction_path = missing, run_name = "ground_truth", split = "nope" }, HttpStatusCode.BadRequest, "run_name 'ground_truth' is reserved");
        await Expect(datasetId, new { prediction_path = missing, run_name = "a,b", split = "nope" }, HttpStatusCode.BadRequest, "run_name must not contain commas");
        await Expect(datasetId, new { prediction_path = missing, split = "nope" }, HttpStatusCode.BadRequest, "Unknown split 'nope'");
        await Expect(datasetId, new { prediction_path = "gs://bucket/preds.json" }, HttpStatusCode.BadRequest, "Cloud storage paths (gs://) are not supported");
        await Expect(datasetId, new { prediction_path = missing }, HttpStatusCode.BadRequest, $"Prediction file not found: {missing}");
        await Expect(datasetId, new { prediction_path = _bed.Bed.DataDir + "/images/../images/", format = "coco" }, HttpStatusCode.BadRequest, $"Prediction file not found: {_bed.Bed.ImageDir}");
        var file = _bed.Bed.WriteFile("preds.json", "[]");
        await Expect(datasetId, new { prediction_path = file, format = "detection_annotation" }, HttpStatusCode.BadRequest, $"Expected a directory for detection_annotation format: {file}");
        await Expect(datasetId, new { prediction_path = _bed.Bed.DataDir, format = "classification_jsonl" }, HttpStatusCode.BadRequest, $"Expected a JSONL file for classification_jsonl format: {_bed.Bed.DataDir}");
        await Expect(datasetId, new { prediction_path = "a\0b" }, HttpStatusCode.BadRequest, "Prediction file not found: a\0b");
        await Expect(datasetId, new { prediction_path = "" }, HttpStatusCode.BadRequest, $"Prediction file not found: {Directory.GetCurrentDirectory()}");
        Assert.Equal((3L, 0L, 3L, 3L), await _bed.CountersAsync(datasetId));
    }

    [Fact]
    public async Task MalformedBodies_Answer422()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = $"/datasets/{datasetId}/predictions";

        var missing = await _bed.SendAsync(HttpMethod.Post, path, new { format = "coco" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.Status);
        var item = Assert.Single(missing.Json.GetProperty("detail").EnumerateArray());
        Assert.Equal("missing", item.GetProperty("type").GetString());
        Assert.Equal("""["body","prediction_path"]""", item.GetProperty("loc").GetRawText());

        var literal = await _bed.SendAsync(HttpMethod.Post, path, new { prediction_path = "x", format = "yolo" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, literal.Status);
        var literalItem = Assert.Single(literal.Json.GetProperty("detail").EnumerateArray());
        Assert.Equal("literal_error", literalItem.GetProperty("type").GetString());
        Assert.Equal("""["body","format"]""", literalItem.GetProperty("loc").GetRawText());
        Assert.Equal("yolo", literalItem.GetProperty("input").GetString());

        var mistyped = await _bed.SendAsync(HttpMethod.Post, path, """{"prediction_path": 5, "run_name": 3, "format": null}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, mistyped.Status);
        Assert.Equal(["string_type", "string_type", "literal_error"], mistyped.Json.GetProperty("detail").EnumerateArray().Select(i => i.GetProperty("type").GetString()!).ToArray());

        var notJson = await _bed.SendAsync(HttpMethod.Post, path, "{");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notJson.Status);
        var empty = await _bed.SendAsync(HttpMethod.Post, path, "[]");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.Status);
    }

    [Fact]
    public async Task PathsOutsideDataRoots_Answer403_AfterTheSplitCheck()
    {
        // The API starts on first use, so the roots can name this bed's own data folder.
        var settings = new Dictionary<string, string?>();
        using var bed = new EditingTestBed(settings);
        settings["DATAVISOR_DATA_ROOTS"] = bed.Bed.DataDir;
        var datasetId = await bed.IngestSmallCocoAsync();
        var outside = bed.Bed.Temp.Combine("outside.json");
        File.WriteAllText(outside, "[]");

        var split = await bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = outside, split = "val" });
        Assert.Equal("Unknown split 'val'", split.Detail);

        var refused = await bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = bed.Bed.DataDir + "/../outside.json" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal($"Path is outside the allowed data roots: {outside}", refused.Detail);

        var inside = bed.Bed.WriteFile("inside.json", "[]");
        var allowed = await bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = inside });
        Assert.Equal(HttpStatusCode.OK, allowed.Status);
    }
}
