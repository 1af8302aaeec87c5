using System.Net;
using System.Text.Json;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Triage;

/// <summary>R45–R47 through HTTP (contract §4.7, §2.8, §6.9, D16).</summary>
public sealed class AnnotationTriageTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task ImportAsync(string datasetId, string file, string content, string run, string format = "coco")
    {
        var path = _bed.Bed.WriteFile(file, content);
        var answer = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = run, format });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    private List<string> PredictionIds(string datasetId, string sampleId)
    {
        var rows = _bed.Bed.Query($"SELECT id FROM annotations WHERE dataset_id = '{datasetId}' AND sample_id = '{sampleId}' AND source = 'r' ORDER BY seq");
        return [.. rows.Select(r => (string)r[0]!)];
    }

    private static string Items(JsonAnswer answer) => answer.Json.GetProperty("items").GetRawText();

    [Fact]
    public async Task Detection_AutoLabels_Overrides_AndMarker()
    {
        // GT: image 1 cat 10 [1,2,3,4], dog 11 [5,5,10,10].
        var datasetId = await _bed.IngestSmallCocoAsync();
        // Prediction order: a cat on 11 (0.9) → label_error; b cat overlapping 10 at IoU 0.5 (0.8) → tp at 0.45,
        // fp at 0.6; c dog on 11 again (0.7) → 11 already matched → fp; d (0.1) below the threshold, not listed.
        await ImportAsync(datasetId, "r.json", """
            [{"image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "score": 0.9},
             {"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 2], "score": 0.8},
             {"image_id": 1, "category_id": 2, "bbox": [5, 5, 10, 10], "score": 0.7},
             {"image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1], "score": 0.1}]
            """, "r");
        var p = PredictionIds(datasetId, "1");

        var answer = await _bed.SendAsync(HttpMethod.Get, $"/samples/1/annotation-triage?dataset_id={datasetId}&source=r");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            $$"""[{"annotation_id":"{{p[0]}}","auto_label":"label_error","label":"label_error","matched_id":"11","iou":1,"is_override":false},{"annotation_id":"{{p[1]}}","auto_label":"tp","label":"tp","matched_id":"10","iou":0.5,"is_override":false},{"annotation_id":"{{p[2]}}","auto_label":"fp","label":"fp","matched_id":null,"iou":null,"is_override":false},{"annotation_id":"10","auto_label":"tp","label":"tp","matched_id":"{{p[1]}}","iou":0.5,"is_override":false},{"annotation_id":"11","auto_label":"tp","label":"tp","matched_id":"{{p[0]}}","iou":1,"is_override":false}]""",
            Items(answer));
        var strict = await _bed.SendAsync(HttpMethod.Get, $"/samples/1/annotation-triage?dataset_id={datasetId}&source=r&iou_threshold=0.6&conf_threshold=0.75");
        Assert.Equal(
            $$"""[{"annotation_id":"{{p[0]}}","auto_label":"label_error","label":"label_error","matched_id":"11","iou":1,"is_override":false},{"annotation_id":"{{p[1]}}","auto_label":"fp","label":"fp","matched_id":null,"iou":null,"is_override":false},{"annotation_id":"10","auto_label":"fn","label":"fn","matched_id":null,"iou":null,"is_override":false},{"annotation_id":"11","auto_label":"tp","label":"tp","matched_id":"{{p[0]}}","iou":1,"is_override":false}]""",
            Items(strict));

        // R46 stores the override, replaces a previous one and sets the marker (other tags stay).
        _bed.Execute($"UPDATE samples SET tags = ['keep', 'triage:annotation-old', 'triage:fp'] WHERE dataset_id = '{datasetId}' AND id = '1'");
        var set = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = p[2], dataset_id = datasetId, sample_id = "1", label = "mistake" });
        Assert.Equal(HttpStatusCode.OK, set.Status);
        Assert.Equal($$"""{"annotation_id":"{{p[2]}}","label":"mistake"}""", set.Text);
        var replaced = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = p[2], dataset_id = datasetId, sample_id = "1", label = "tp" });
        Assert.Equal(HttpStatusCode.OK, replaced.Status);
        Assert.Equal(["keep", "triage:fp", "triage:annotated"], _bed.Tags(datasetId, "1"));
        Assert.Equal(1L, EditingTestBed.Long(_bed.Bed.Query($"SELECT count(*) FROM annotation_triage WHERE dataset_id = '{datasetId}'")[0][0]));
        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = "10", dataset_id = datasetId, sample_id = "1", label = "fn" })).Status);

        var merged = (await _bed.SendAsync(HttpMethod.Get, $"/samples/1/annotation-triage?dataset_id={datasetId}&source=r")).Json.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal("""{"annotation_id":"10","auto_label":"tp","label":"fn","matched_id":""" + $"\"{p[1]}\"" + ""","iou":0.5,"is_override":true}""", merged[3].GetRawText());
        Assert.Equal("fp", merged[2].GetProperty("auto_label").GetString());
        Assert.Equal("tp", merged[2].GetProperty("label").GetString());
        Assert.True(merged[2].GetProperty("is_override").GetBoolean());

        // R47: the marker stays while one override is left, goes with the last; repeating is harmless.
        var cleared = await _bed.SendAsync(HttpMethod.Delete, $"/samples/1/annotation-triage/{p[2]}?dataset_id={datasetId}");
        Assert.Equal($$"""{"annotation_id":"{{p[2]}}","cleared":true}""", cleared.Text);
        Assert.Contains("triage:annotated", _bed.Tags(datasetId, "1"));
        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Delete, $"/samples/1/annotation-triage/10?dataset_id={datasetId}")).Status);
        Assert.Equal(["keep", "triage:fp"], _bed.Tags(datasetId, "1"));
        var again = await _bed.SendAsync(HttpMethod.Delete, $"/samples/1/annotation-triage/10?dataset_id={datasetId}");
        Assert.Equal("""{"annotation_id":"10","cleared":true}""", again.Text);
        Assert.Equal(["keep", "triage:fp"], _bed.Tags(datasetId, "1"));

        // D16: deleting the run takes its overrides and, with the last one, the marker.
        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = p[0], dataset_id = datasetId, sample_id = "1", label = "fp" })).Status);
        Assert.Contains("triage:annotated", _bed.Tags(datasetId, "1"));
        Assert.Equal(HttpStatusCode.NoContent, (await _bed.SendAsync(HttpMethod.Delete, $"/datasets/{datasetId}/predictions/r")).Status);
        Assert.Equal(["keep", "triage:fp"], _bed.Tags(datasetId, "1"));
        Assert.Equal(0L, EditingTestBed.Long(_bed.Bed.Query($"SELECT count(*) FROM annotation_triage WHERE dataset_id = '{datasetId}'")[0][0]));
    }

    [Fact]
    public async Task Classification_AutoLabels()
    {
        var path = _bed.Bed.WriteFile("labels.jsonl", string.Join('\n',
            """{"filename": "a.png", "label": "cat"}""",
            """{"filename": "b.png", "label": "dog"}""") + "\n");
        foreach (var name in new[] { "a", "b" })
        {
            TestImages.WritePng(Path.Combine(_bed.Bed.ImageDir, $"{name}.png"), 8, 8);
        }

        var events = await _bed.Bed.IngestAsync(path);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        await ImportAsync(datasetId, "cls.jsonl", string.Join('\n',
            """{"filename": "a.png", "label": "dog", "confidence": 0.3}""",
            """{"filename": "a.png", "label": "cat", "confidence": 0.9}""",
            """{"filename": "b.png", "label": "cat", "confidence": 0.8}"""), "r", "classification_jsonl");
        var samples = _bed.Bed.Query($"SELECT id, file_name FROM samples WHERE dataset_id = '{datasetId}'").ToDictionary(r => (string)r[1]!, r => (string)r[0]!);
        string Gt(string sample) => (string)_bed.Bed.Query($"SELECT id FROM annotations WHERE dataset_id = '{datasetId}' AND sample_id = '{sample}' AND source = 'ground_truth'")[0][0]!;

        var a = samples["a.png"];
        var pa = PredictionIds(datasetId, a);
        var answerA = await _bed.SendAsync(HttpMethod.Get, $"/samples/{a}/annotation-triage?dataset_id={datasetId}&source=r");
        // Top-1 cat (0.9) matches the cat GT; the other passing prediction (dog 0.3) is fp.
        Assert.Equal(
            $$"""[{"annotation_id":"{{pa[1]}}","auto_label":"tp","label":"tp","matched_id":"{{Gt(a)}}","iou":null,"is_override":false},{"annotation_id":"{{pa[0]}}","auto_label":"fp","label":"fp","matched_id":null,"iou":null,"is_override":false},{"annotation_id":"{{Gt(a)}}","auto_label":"tp","label":"tp","matched_id":"{{pa[1]}}","iou":null,"is_override":false}]""",
            Items(answerA));

        var b = samples["b.png"];
        var pb = PredictionIds(datasetId, b);
        var answerB = await _bed.SendAsync(HttpMethod.Get, $"/samples/{b}/annotation-triage?dataset_id={datasetId}&source=r");
        Assert.Equal(
            $$"""[{"annotation_id":"{{pb[0]}}","auto_label":"label_error","label":"label_error","matched_id":"{{Gt(b)}}","iou":null,"is_override":false},{"annotation_id":"{{Gt(b)}}","auto_label":"tp","label":"tp","matched_id":"{{pb[0]}}","iou":null,"is_override":false}]""",
            Items(answerB));
        var high = await _bed.SendAsync(HttpMethod.Get, $"/samples/{b}/annotation-triage?dataset_id={datasetId}&source=r&conf_threshold=0.85");
        Assert.Equal($$"""[{"annotation_id":"{{Gt(b)}}","auto_label":"fn","label":"fn","matched_id":null,"iou":null,"is_override":false}]""", Items(high));
    }

    [Fact]
    public async Task Errors()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Equal("""{"items":[]}""", (await _bed.SendAsync(HttpMethod.Get, "/samples/1/annotation-triage?dataset_id=nope")).Text);
        Assert.Equal("""{"items":[]}""", (await _bed.SendAsync(HttpMethod.Get, $"/samples/zzz/annotation-triage?dataset_id={datasetId}")).Text);
        var missing = await _bed.SendAsync(HttpMethod.Get, "/samples/1/annotation-triage");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.Status);
        Assert.Equal("dataset_id", missing.Json.GetProperty("detail")[0].GetProperty("loc")[1].GetString());
        foreach (var bad in new[] { "iou_threshold=0.09", "iou_threshold=abc", "conf_threshold=1.01" })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _bed.SendAsync(HttpMethod.Get, $"/samples/1/annotation-triage?dataset_id={datasetId}&{bad}")).Status);
        }

        var invalid = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = "10", dataset_id = datasetId, sample_id = "1", label = "label_error" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal("Invalid label 'label_error'. Must be one of: ['fn', 'fp', 'mistake', 'tp']", invalid.Detail);
        // D1: the annotation must belong to that sample of that dataset.
        foreach (var (annotation, dataset, sample) in new[] { ("10", datasetId, "2"), ("10", "nope", "1"), ("999", datasetId, "1") })
        {
            var notFound = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = annotation, dataset_id = dataset, sample_id = sample, label = "tp" });
            Assert.Equal(HttpStatusCode.NotFound, notFound.Status);
            Assert.Equal("Annotation not found", notFound.Detail);
        }

        Assert.Empty(_bed.Tags(datasetId, "2"));
        var incomplete = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = "10", dataset_id = datasetId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, incomplete.Status);
        var noDataset = await _bed.SendAsync(HttpMethod.Delete, "/samples/1/annotation-triage/10");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noDataset.Status);
    }
}
