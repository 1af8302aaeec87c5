using System.Net;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Triage;

/// <summary>R21, R20 and R44 through HTTP on hand-computed cases (contract §4.6, §4.7, §6.2, §6.3, §6.7, §6.8).</summary>
public sealed class ErrorAnalysisTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task ImportAsync(string datasetId, string file, string content, string run, string format = "coco")
    {
        var path = _bed.Bed.WriteFile(file, content);
        var answer = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = run, format });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    /// <summary>GT: image 1 cat 10 [1,2,3,4], dog 11 [5,5,10,10]; image 2 cat 12 [0,0,8,8]; image 3 none.</summary>
    private async Task<string> SmallDetectionAsync()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        // p0 cat on GT 10 (0.9) → tp; p1 cat exactly on the dog (0.8) → label_error; p2 cat on nothing in image 2
        // (0.1); p3 dog on GT 10 again in image 1 (0.5): its best GT (10) is consumed → hard_fp, no fallback;
        // p4 dog in image 3, which has no GT (0.3) → hard_fp.
        await ImportAsync(datasetId, "r.json", """
            [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.9},
             {"image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "score": 0.8},
             {"image_id": 2, "category_id": 1, "bbox": [20, 20, 5, 5], "score": 0.1},
             {"image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.5},
             {"image_id": 3, "category_id": 2, "bbox": [0, 0, 4, 4], "score": 0.3}]
            """, "r");
        return datasetId;
    }

    [Fact]
    public async Task Detection_ErrorAnalysis_HandComputed()
    {
        var datasetId = await SmallDetectionAsync();

        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/error-analysis?source=r");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            """{"summary":{"true_positives":1,"hard_false_positives":2,"label_errors":1,"false_negatives":1},"per_class":[{"class_name":"cat","tp":1,"hard_fp":0,"label_error":1,"fn":1},{"class_name":"dog","tp":0,"hard_fp":2,"label_error":0,"fn":0}],"samples_by_type":{"tp":[{"sample_id":"1","error_type":"tp","category_name":"cat","confidence":0.9}],"hard_fp":[{"sample_id":"1","error_type":"hard_fp","category_name":"dog","confidence":0.5},{"sample_id":"3","error_type":"hard_fp","category_name":"dog","confidence":0.3}],"label_error":[{"sample_id":"1","error_type":"label_error","category_name":"cat","confidence":0.8}],"false_negative":[{"sample_id":"2","error_type":"false_negative","category_name":"cat","confidence":null}]}}""",
            answer.Text);

        // The counts are the R19 matrix's cells (§6.3): labels cat, dog, background.
        var evaluation = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=r")).Json;
        Assert.Equal("[[1,0,1],[1,0,0],[0,2,0]]", evaluation.GetProperty("confusion_matrix").GetRawText());

        // A lower threshold admits p2 (hard_fp cat in image 2), listed after image 1's entries and before image 2's FN.
        var low = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/error-analysis?source=r&conf_threshold=0.05")).Json;
        Assert.Equal(
            """[{"sample_id":"1","error_type":"hard_fp","category_name":"dog","confidence":0.5},{"sample_id":"2","error_type":"hard_fp","category_name":"cat","confidence":0.1},{"sample_id":"3","error_type":"hard_fp","category_name":"dog","confidence":0.3}]""",
            low.GetProperty("samples_by_type").GetProperty("hard_fp").GetRawText());
    }

    [Fact]
    public async Task Detection_EmptyListsAndNullConfidences()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        // Ground truth against itself: confidences are null, which count as 1.0 and pass any threshold.
        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/error-analysis?source=ground_truth&conf_threshold=1");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            """{"summary":{"true_positives":3,"hard_false_positives":0,"label_errors":0,"false_negatives":0},"per_class":[{"class_name":"cat","tp":2,"hard_fp":0,"label_error":0,"fn":0},{"class_name":"dog","tp":1,"hard_fp":0,"label_error":0,"fn":0}],"samples_by_type":{"tp":[{"sample_id":"1","error_type":"tp","category_name":"cat","confidence":null},{"sample_id":"1","error_type":"tp","category_name":"dog","confidence":null},{"sample_id":"2","error_type":"tp","category_name":"cat","confidence":null}],"hard_fp":[],"label_error":[],"false_negative":[]}}""",
            answer.Text);
        var worst = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?source=ground_truth");
        Assert.Equal("""{"items":[]}""", worst.Text);
    }

    [Fact]
    public async Task Detection_ConfusionCells_HandComputed()
    {
        var datasetId = await SmallDetectionAsync();

        async Task<string> Cell(string actual, string predicted, string extra = "") =>
            (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/confusion-cell-samples?source=r&actual_class={actual}&predicted_class={predicted}{extra}")).Text;

        Assert.Equal("""{"actual_class":"cat","predicted_class":"cat","sample_ids":["1"],"count":1}""", await Cell("cat", "cat"));
        Assert.Equal("""{"actual_class":"dog","predicted_class":"cat","sample_ids":["1"],"count":1}""", await Cell("dog", "cat"));
        Assert.Equal("""{"actual_class":"background","predicted_class":"dog","sample_ids":["1","3"],"count":2}""", await Cell("background", "dog"));
        Assert.Equal("""{"actual_class":"cat","predicted_class":"background","sample_ids":["2"],"count":1}""", await Cell("cat", "background"));
        Assert.Equal("""{"actual_class":"cat","predicted_class":"dog","sample_ids":[],"count":0}""", await Cell("cat", "dog"));
        Assert.Equal("""{"actual_class":"bird","predicted_class":"zebra","sample_ids":[],"count":0}""", await Cell("bird", "zebra"));
        Assert.Equal("""{"actual_class":"background","predicted_class":"cat","sample_ids":["2"],"count":1}""", await Cell("background", "cat", "&conf_threshold=0.05"));
        Assert.Equal("""{"actual_class":"background","predicted_class":"cat","sample_ids":[],"count":0}""", await Cell("background", "cat", "&split=train"));
    }

    [Fact]
    public async Task Detection_WorstImages_HandComputed()
    {
        var datasetId = await SmallDetectionAsync();

        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?source=r&conf_threshold=0.05");

        // Errors: image 1 label_error 0.8 + hard_fp 0.5 (spread 0.15); image 2 hard_fp 0.1 + fn (one confidence → 0);
        // image 3 hard_fp 0.3. E = 2, S = 0.15: image 1 → 0.6 + 0.4 = 1, image 2 → 0.6, image 3 → 0.3.
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            """{"items":[{"sample_id":"1","error_count":2,"confidence_spread":0.15,"score":1},{"sample_id":"2","error_count":2,"confidence_spread":0,"score":0.6},{"sample_id":"3","error_count":1,"confidence_spread":0,"score":0.3}]}""",
            answer.Text);
        var limited = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?source=r&conf_threshold=0.05&limit=1");
        Assert.Equal("""{"items":[{"sample_id":"1","error_count":2,"confidence_spread":0.15,"score":1}]}""", limited.Text);
    }

    [Fact]
    public async Task Classification_ErrorAnalysisCellsAndWorst()
    {
        var path = _bed.Bed.WriteFile("labels.jsonl", string.Join('\n',
            """{"filename": "a.png", "label": "cat"}""",
            """{"filename": "b.png", "label": "dog"}""",
            """{"filename": "c.png", "label": "cat"}""",
            """{"filename": "d.png", "label": "bird"}""") + "\n");
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            TestImages.WritePng(Path.Combine(_bed.Bed.ImageDir, $"{name}.png"), 8, 8);
        }

        var events = await _bed.Bed.IngestAsync(path);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        await ImportAsync(datasetId, "cls.jsonl", string.Join('\n',
            """{"filename": "a.png", "label": "dog", "confidence": 0.3}""",
            """{"filename": "a.png", "label": "cat", "confidence": 0.9}""",
            """{"filename": "b.png", "label": "cat", "confidence": 0.8}""",
            """{"filename": "d.png", "label": "bird", "confidence": 0.1}"""), "cls", "classification_jsonl");
        var sampleIds = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/error-analysis?source=cls")).Json
            .GetProperty("samples_by_type");

        // a correct (cat 0.9), b misclassified (GT dog, predicted cat 0.8), c and d missing (d's bird 0.1 < 0.25).
        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/error-analysis?source=cls");
        var json = answer.Json;
        Assert.Equal("""{"true_positives":1,"hard_false_positives":0,"label_errors":1,"false_negatives":2}""", json.GetProperty("summary").GetRawText());
        Assert.Equal(
            """[{"class_name":"bird","tp":0,"hard_fp":0,"label_error":0,"fn":1},{"class_name":"cat","tp":1,"hard_fp":0,"label_error":0,"fn":1},{"class_name":"dog","tp":0,"hard_fp":0,"label_error":1,"fn":0}]""",
            json.GetProperty("per_class").GetRawText());
        var byType = json.GetProperty("samples_by_type");
        Assert.Equal(["correct", "misclassified", "missing_prediction"], byType.EnumerateObject().Select(p => p.Name));
        var correct = byType.GetProperty("correct")[0];
        Assert.Equal("cat", correct.GetProperty("category_name").GetString());
        Assert.Equal(0.9, correct.GetProperty("confidence").GetDouble());
        var misclassified = byType.GetProperty("misclassified")[0];
        Assert.Equal("dog", misclassified.GetProperty("category_name").GetString());
        Assert.Equal(0.8, misclassified.GetProperty("confidence").GetDouble());
        var missing = byType.GetProperty("missing_prediction").EnumerateArray().ToArray();
        Assert.Equal(["cat", "bird"], missing.Select(m => m.GetProperty("category_name").GetString()));
        Assert.All(missing, m => Assert.Equal("null", m.GetProperty("confidence").GetRawText()));
        Assert.Equal(sampleIds.GetProperty("misclassified")[0].GetProperty("sample_id").GetString(), misclassified.GetProperty("sample_id").GetString());

        var bSample = misclassified.GetProperty("sample_id").GetString();
        var cell = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/confusion-cell-samples?source=cls&actual_class=dog&predicted_class=cat");
        Assert.Equal($$"""{"actual_class":"dog","predicted_class":"cat","sample_ids":["{{bSample}}"],"count":1}""", cell.Text);
        var background = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/confusion-cell-samples?source=cls&actual_class=cat&predicted_class=background");
        Assert.Equal(0, background.Json.GetProperty("count").GetInt32());

        // Every error is one entry per sample: E = 1, spread 0 → all score 0.6; ties by largest confidence
        // (b 0.8), then those without one in evaluation order.
        var worst = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?source=cls")).Json.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(3, worst.Length);
        Assert.Equal(bSample, worst[0].GetProperty("sample_id").GetString());
        Assert.Equal(missing.Select(m => m.GetProperty("sample_id").GetString()), worst.Skip(1).Select(w => w.GetProperty("sample_id").GetString()));
        Assert.All(worst, w => Assert.Equal(0.6, w.GetProperty("score").GetDouble()));
    }

    [Fact]
    public async Task Errors_AsR19()
    {
        var datasetId = await SmallDetectionAsync();
        foreach (var route in new[] { "error-analysis?", "worst-images?", "confusion-cell-samples?actual_class=cat&predicted_class=cat&" })
        {
            var missingDataset = await _bed.SendAsync(HttpMethod.Get, $"/datasets/nope/{route}source=r");
            Assert.Equal(HttpStatusCode.NotFound, missingDataset.Status);
            Assert.Equal("Dataset not found", missingDataset.Detail);
            var missingSource = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/{route}source=zzz");
            Assert.Equal(HttpStatusCode.NotFound, missingSource.Status);
            Assert.Equal("No annotations found for source 'zzz'", missingSource.Detail);
            var defaultSource = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/{route}");
            Assert.Equal("No annotations found for source 'prediction'", defaultSource.Detail);
            foreach (var bad in new[] { "iou_threshold=0.05", "iou_threshold=1.5", "iou_threshold=x", "conf_threshold=-0.1", "conf_threshold=2" })
            {
                var invalid = await _bed.SendAsync(HttpMethod.Get, $"/datasets/nope/{route}{bad}");
                Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
                Assert.Equal(bad.Split('=')[0], invalid.Json.GetProperty("detail")[0].GetProperty("loc")[1].GetString());
            }
        }

        var noClasses = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/confusion-cell-samples?source=r");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noClasses.Status);
        Assert.Equal(["actual_class", "predicted_class"], noClasses.Json.GetProperty("detail").EnumerateArray().Select(d => d.GetProperty("loc")[1].GetString()));
        Assert.Equal("missing", noClasses.Json.GetProperty("detail")[0].GetProperty("type").GetString());
        foreach (var (limit, type) in new[] { ("0", "greater_than_equal"), ("201", "less_than_equal"), ("x", "int_parsing") })
        {
            var invalid = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?source=r&limit={limit}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
            Assert.Equal(type, invalid.Json.GetProperty("detail")[0].GetProperty("type").GetString());
        }

        var max = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?source=r&limit=200");
        Assert.Equal(HttpStatusCode.OK, max.Status);
    }
}
