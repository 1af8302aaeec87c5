using System.Net;
using System.Text.Json;
using DataVisor.Api.Evaluation;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Evaluation;

/// <summary>R19 through HTTP (contract §4.6, §6.3–§6.7) on datasets the tests write.</summary>
public sealed class EvaluationEndpointTests : IDisposable
{
    private const double Epsilon = 2.220446049250313e-16;
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task ImportAsync(string datasetId, string file, string content, string run, string format = "coco")
    {
        var path = _bed.Bed.WriteFile(file, content);
        var answer = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = run, format });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    private static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public async Task Detection_HandComputed()
    {
        // Ground truth: image 1 cat 10 [1,2,3,4] and dog 11 [5,5,10,10]; image 2 cat 12 [0,0,8,8].
        var datasetId = await _bed.IngestSmallCocoAsync();
        // p0 cat on GT 10 (0.9); p1 cat exactly on the dog (0.8); p2 cat on nothing in image 2 (0.1, below 0.25).
        await ImportAsync(datasetId, "r.json", """
            [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.9},
             {"image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "score": 0.8},
             {"image_id": 2, "category_id": 1, "bbox": [20, 20, 5, 5], "score": 0.1}]
            """, "r");

        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=r");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var json = answer.Json;
        Assert.Equal("detection", json.GetProperty("evaluation_type").GetString());
        Assert.Equal(0.5, json.GetProperty("iou_threshold").GetDouble());
        Assert.Equal(0.25, json.GetProperty("conf_threshold").GetDouble());
        Assert.Equal(["cat", "dog", "background"], json.GetProperty("confusion_matrix_labels").EnumerateArray().Select(e => e.GetString()!).ToArray());
        // §6.2: p0 tp (cat→cat); p1's best GT over all classes is the dog (IoU 1) → label_error dog→cat; p2 is
        // filtered by conf_threshold, so GT 12 is a false negative (cat→background).
        Assert.Equal("[[1,0,1],[1,0,0],[0,0,0]]", json.GetProperty("confusion_matrix").GetRawText());

        // §6.4: same-class matching: p0 TP, p1 FP (no overlap with cat 10), p2 FP. n_gt all 3, cat 2, dog 1.
        var curves = json.GetProperty("pr_curves").EnumerateArray().ToArray();
        Assert.Equal(["all", "cat", "dog"], curves.Select(c => c.GetProperty("class_name").GetString()!).ToArray());
        var all = curves[0].GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], all.Select(p => p.GetProperty("recall").GetDouble()));
        Assert.Equal([1, 0.5, 1 / 3.0], all.Select(p => p.GetProperty("precision").GetDouble()));
        Assert.Equal([0.9, 0.8, 0.1], all.Select(p => p.GetProperty("confidence").GetDouble()));
        // Curve AP: r_0 … r_33 reach recall 1/3 with precision 1 → 34/101; cat: r_0 … r_50 → 51/101; dog has no predictions.
        Assert.Equal(34 / 101.0, curves[0].GetProperty("ap").GetDouble(), 1e-12);
        Assert.Equal(51 / 101.0, curves[1].GetProperty("ap").GetDouble(), 1e-12);
        Assert.Equal("""[{"recall":0,"precision":1,"confidence":1}]""", curves[2].GetProperty("points").GetRawText());
        Assert.Equal(0, curves[2].GetProperty("ap").GetDouble());

        // COCO: cat pools TP, FP, FP with 2 positives → q = 1/(1+ε) for r ≤ .5 → 51/101 at every threshold;
        // dog has a positive and no detection → 0. Mean over both classes.
        var catAp = 51 / 101.0 / (1 + Epsilon);
        var metrics = json.GetProperty("ap_metrics");
        Assert.Equal(catAp / 2, metrics.GetProperty("map50").GetDouble(), 1e-12);
        Assert.Equal(catAp / 2, metrics.GetProperty("map75").GetDouble(), 1e-12);
        Assert.Equal(catAp / 2, metrics.GetProperty("map50_95").GetDouble(), 1e-12);

        // §6.6 at conf 0.25: cat keeps p0 (TP) and p1 (FP) → precision .5, recall 1/2; dog nothing → 0, 0.
        var perClass = json.GetProperty("per_class_metrics").EnumerateArray().ToArray();
        Assert.Equal("cat", perClass[0].GetProperty("class_name").GetString());
        Assert.Equal(catAp, perClass[0].GetProperty("ap50").GetDouble(), 1e-12);
        Assert.Equal(catAp, perClass[0].GetProperty("ap50_95").GetDouble(), 1e-12);
        Assert.Equal(0.5, perClass[0].GetProperty("precision").GetDouble());
        Assert.Equal(0.5, perClass[0].GetProperty("recall").GetDouble());
        Assert.Equal("""{"class_name":"dog","ap50":0,"ap75":0,"ap50_95":0,"precision":0,"recall":0}""", perClass[1].GetRawText());

        // A blank split is no filter.
        var blankSplit = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=r&split=");
        Assert.Equal(answer.Text, blankSplit.Text);

        // Lower conf_threshold: p2 now counts as a hard false positive and GT 12 stays a false negative.
        var low = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=r&conf_threshold=0&iou_threshold=1")).Json;
        Assert.Equal("[[1,0,1],[1,0,0],[1,0,0]]", low.GetProperty("confusion_matrix").GetRawText());
        Assert.Equal(1.0, low.GetProperty("iou_threshold").GetDouble());
    }

    [Fact]
    public async Task Detection_OutOfScopeSplit_GivesEmptyListsAndZeroMap()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        await ImportAsync(datasetId, "r.json", """[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.9}]""", "r");

        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=r&split=val&iou_threshold=0.7");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            """{"evaluation_type":"detection","pr_curves":[],"ap_metrics":{"map50":0,"map75":0,"map50_95":0},"per_class_metrics":[],"confusion_matrix":[],"confusion_matrix_labels":[],"iou_threshold":0.7,"conf_threshold":0.25}""",
            answer.Text);
    }

    [Fact]
    public async Task Errors_ValidationFirst_ThenDataset_ThenSource()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var invalid = await _bed.SendAsync(HttpMethod.Get, "/datasets/unknown/evaluation?iou_threshold=0.05&conf_threshold=abc");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Status);
        var items = invalid.Json.GetProperty("detail").EnumerateArray().ToArray();
        Assert.Equal(["greater_than_equal", "float_parsing"], items.Select(i => i.GetProperty("type").GetString()!).ToArray());
        Assert.Equal("""["query","iou_threshold"]""", items[0].GetProperty("loc").GetRawText());
        Assert.Equal("Input should be greater than or equal to 0.1", items[0].GetProperty("msg").GetString());
        Assert.Equal("0.05", items[0].GetProperty("input").GetString());

        var tooHigh = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?conf_threshold=1.5");
        Assert.Equal("less_than_equal", tooHigh.Json.GetProperty("detail")[0].GetProperty("type").GetString());
        Assert.Equal("Input should be less than or equal to 1.0", tooHigh.Json.GetProperty("detail")[0].GetProperty("msg").GetString());

        var unknown = await _bed.SendAsync(HttpMethod.Get, "/datasets/unknown/evaluation");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("Dataset not found", unknown.Detail);

        var noSource = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=nope");
        Assert.Equal(HttpStatusCode.NotFound, noSource.Status);
        Assert.Equal("No annotations found for source 'nope'", noSource.Detail);

        var defaultSource = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation");
        Assert.Equal("No annotations found for source 'prediction'", defaultSource.Detail);

        // Ground truth against itself is allowed: every box is a TP.
        var self = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=ground_truth")).Json;
        Assert.Equal("[[2,0,0],[0,1,0],[0,0,0]]", self.GetProperty("confusion_matrix").GetRawText());
        Assert.Equal(1, self.GetProperty("ap_metrics").GetProperty("map50").GetDouble(), 1e-12);
    }

    [Fact]
    public async Task Classification_HandComputed()
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
        // a: top-1 cat (0.9 beats dog 0.3) → correct; b: cat → misclassified; c: none → missing; d: bird 0.1 < 0.25 → missing.
        await ImportAsync(datasetId, "cls.jsonl", string.Join('\n',
            """{"filename": "a.png", "label": "dog", "confidence": 0.3}""",
            """{"filename": "a.png", "label": "cat", "confidence": 0.9}""",
            """{"filename": "b.png", "label": "cat", "confidence": 0.8}""",
            """{"filename": "d.png", "label": "bird", "confidence": 0.1}"""), "cls", "classification_jsonl");

        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=cls");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        // Labels bird, cat, dog. cat: precision 1/2, support 2 (one missing), recall 1/2, f1 1/2; others 0.
        // accuracy 1/4; macro f1 (1/2)/3 → 0.1667; weighted f1 (1/2·2)/4 = 0.25.
        Assert.Equal(
            """{"evaluation_type":"classification","accuracy":0.25,"macro_f1":0.1667,"weighted_f1":0.25,"per_class_metrics":[{"class_name":"bird","precision":0,"recall":0,"f1":0,"support":1},{"class_name":"cat","precision":0.5,"recall":0.5,"f1":0.5,"support":2},{"class_name":"dog","precision":0,"recall":0,"f1":0,"support":1}],"confusion_matrix":[[0,0,0],[0,1,0],[0,1,0]],"confusion_matrix_labels":["bird","cat","dog"],"conf_threshold":0.25}""",
            answer.Text);
    }

    [Fact]
    public async Task GeneratedDetectionDataset_MapMatchesReference()
    {
        var random = new Random(7);
        const int imageCount = 30;
        string[] names = ["cat", "dog", "eel", "fox"];
        var images = new List<object>();
        var annotations = new List<object>();
        var results = new List<object>();
        var gts = new List<MapGroundTruth>();
        var dts = new List<MapDetection>();
        // Image ids are written in a shuffled order; the evaluation order is numeric id order.
        var ids = Enumerable.Range(1, imageCount).OrderBy(_ => random.Next()).ToArray();
        long gtSeq = 0, dtSeq = 0;
        foreach (var id in ids)
        {
            TestImages.WritePng(Path.Combine(_bed.Bed.ImageDir, $"g_{id}.png"), 8, 8);
            images.Add(new { id, file_name = $"g_{id}.png", width = 200, height = 200 });
        }

        foreach (var id in ids)
        {
            var boxes = new List<(int Cls, double X, double Y, double W, double H)>();
            for (var i = random.Next(6); i > 0; i--)
            {
                var box = (random.Next(names.Length), random.Next(10) * 10.0, random.Next(10) * 10.0, 10.0 + random.Next(4) * 10, 10.0 + random.Next(4) * 10);
                boxes.Add(box);
                var crowd = random.Next(10) == 0;
                annotations.Add(new { id = 1000 + gtSeq, image_id = id, category_id = box.Item1 + 1, bbox = new[] { box.Item2, box.Item3, box.Item4, box.Item5 }, area = box.Item4 * box.Item5, iscrowd = crowd ? 1 : 0 });
                gts.Add(new MapGroundTruth(id - 1, box.Item1, box.Item2, box.Item3, box.Item4, box.Item5, box.Item4 * box.Item5, crowd, gtSeq++));
            }

            for (var i = random.Next(8); i > 0; i--)
            {
                var near = boxes.Count > 0 && random.Next(3) > 0 ? boxes[random.Next(boxes.Count)] : (random.Next(names.Length), 50.0, 50.0, 20.0, 20.0);
                var cls = random.Next(5) == 0 ? random.Next(names.Length) : near.Item1;
                var box = new[] { near.Item2 + random.Next(-2, 3) * 3, near.Item3 + random.Next(-2, 3) * 3, near.Item4, near.Item5 };
                var score = random.Next(5) / 4.0;
                results.Add(new { image_id = id, category_id = cls + 1, bbox = box, score });
                dts.Add(new MapDetection(id - 1, cls, box[0], box[1], box[2], box[3], score, dtSeq++));
            }
        }

        var coco = _bed.Bed.WriteFile("generated.json", JsonSerializer.Serialize(new
        {
            images,
            annotations,
            categories = names.Select((name, i) => new { id = i + 1, name }),
        }));
        var events = await _bed.Bed.IngestAsync(coco);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        await ImportAsync(datasetId, "generated_results.json", JsonSerializer.Serialize(results), "gen");

        var json = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=gen")).Json;

        // Every generated class occurs, so the class order is the names' order.
        var present = gts.Select(g => g.ClassIndex).Concat(dts.Select(d => d.ClassIndex)).Distinct().Order().ToArray();
        Assert.Equal(Enumerable.Range(0, names.Length), present);
        var expected = ReferenceCocoEval.Run(names.Length, [.. gts], [.. dts]);
        var metrics = json.GetProperty("ap_metrics");
        Assert.Equal(expected.Map50, metrics.GetProperty("map50").GetDouble(), 1e-6);
        Assert.Equal(expected.Map75, metrics.GetProperty("map75").GetDouble(), 1e-6);
        Assert.Equal(expected.Map, metrics.GetProperty("map50_95").GetDouble(), 1e-6);
        var perClass = json.GetProperty("per_class_metrics").EnumerateArray().ToArray();
        for (var k = 0; k < names.Length; k++)
        {
            Assert.Equal(names[k], perClass[k].GetProperty("class_name").GetString());
            Assert.Equal(expected.PerClass[k, 0], perClass[k].GetProperty("ap50").GetDouble(), 1e-6);
            Assert.Equal(expected.PerClass[k, 1], perClass[k].GetProperty("ap75").GetDouble(), 1e-6);
            Assert.Equal(expected.PerClass[k, 2], perClass[k].GetProperty("ap50_95").GetDouble(), 1e-6);
        }

        // §6.3 consistency: the matrix sums to every prediction passing 0.25 plus every unmatched GT.
        var matrix = json.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        var background = names.Length;
        var columnSums = Enumerable.Range(0, background).Sum(c => matrix.Sum(r => r[c]));
        Assert.Equal(dts.Count(d => d.Score >= 0.25), columnSums);
        Assert.Equal(0, matrix[background][background]);
    }
}
