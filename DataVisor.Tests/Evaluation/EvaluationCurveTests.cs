using System.Net;
using System.Text.Json;
using DataVisor.Tests.Editing;

namespace DataVisor.Tests.Evaluation;

/// <summary>PR curve subsampling (§6.4 step 5) and null confidences (D9) through R19.</summary>
public sealed class EvaluationCurveTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task MoreThan200Predictions_AreSubsampled_AfterTheApIsComputed()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        const int m = 250;
        // Prediction i has score 1 − i/1000; the one at i = 3 hits GT 10 (cat), all others miss.
        var results = Enumerable.Range(0, m).Select(i => new
        {
            image_id = 1,
            category_id = 1,
            bbox = i == 3 ? new[] { 1.0, 2, 3, 4 } : new[] { 30.0, 20, 2, 2 },
            score = 1 - i / 1000.0,
        });
        var path = _bed.Bed.WriteFile("many.json", JsonSerializer.Serialize(results));
        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = "many" })).Status);

        var json = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=many")).Json;

        var cat = json.GetProperty("pr_curves").EnumerateArray().Single(c => c.GetProperty("class_name").GetString() == "cat");
        var points = cat.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal(200, points.Length);
        for (var i = 0; i < 200; i++)
        {
            var j = i == 199 ? m - 1 : (int)(i * ((m - 1) / 199.0));
            Assert.Equal(1 - j / 1000.0, points[i].GetProperty("confidence").GetDouble(), 1e-12);
        }

        // Cat has 2 GT; the 4th prediction is the only TP: recall 1/2 from k = 4 with precision 1/4, which is the
        // largest precision at recall ≥ r for r_0 … r_50 → AP = 51 · 0.25 / 101.
        Assert.Equal(51 * 0.25 / 101, cat.GetProperty("ap").GetDouble(), 1e-12);
        var perCat = json.GetProperty("per_class_metrics")[0];
        Assert.Equal(1.0 / m, perCat.GetProperty("precision").GetDouble(), 1e-12);
    }

    [Fact]
    public async Task NullConfidence_CountsAsOne()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var folder = Path.Combine(_bed.Bed.DataDir, "per_image");
        Directory.CreateDirectory(folder);
        // 40 × 30 image: the normalised box is GT 12's [0, 0, 8, 8] on image 2 → no confidence → 1.0.
        File.WriteAllText(Path.Combine(folder, "a.json"), """
            {"filename": "instances_2.png", "categories": {"1": "cat"},
             "annotations": [{"bbox": {"x": 0, "y": 0, "w": 0.2, "h": 0.26666666666666666}, "class_id": 1},
                             {"bbox": {"x": 0.5, "y": 0.5, "w": 0.1, "h": 0.1}, "class_id": 1, "confidence": 0.99}]}
            """);
        var imported = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = folder, format = "detection_annotation", run_name = "nulls" });
        Assert.Equal(HttpStatusCode.OK, imported.Status);

        var json = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?source=nulls&conf_threshold=1")).Json;

        // Only the null-confidence box passes conf 1.0; it ranks first (1.0 > 0.99) and is a TP.
        var all = json.GetProperty("pr_curves")[0].GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal([1.0, 0.99], all.Select(p => p.GetProperty("confidence").GetDouble()));
        Assert.Equal([1.0, 0.5], all.Select(p => p.GetProperty("precision").GetDouble()));
        Assert.Equal(1, json.GetProperty("confusion_matrix")[0][0].GetInt64());
        Assert.Equal(0, json.GetProperty("confusion_matrix")[2][0].GetInt64());
    }
}
