using System.Net;
using System.Text.Json;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Triage;

/// <summary>
/// D2 on a generated detection case: R19's matrix, every R20 cell, R21's counts and lists and R44's ranking
/// all agree with an independent implementation of §6.2 written here.
/// </summary>
public sealed class GeneratedConsistencyTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private sealed record Box(int Cls, double X, double Y, double W, double H, double Score);

    private sealed record Entry(string SampleId, string Type, int Category, double? Confidence, int Actual, int Predicted);

    [Fact]
    public async Task EveryCellAndListMatchesTheReference()
    {
        var random = new Random(11);
        const int imageCount = 60;
        string[] names = ["cat", "dog", "eel", "fox"];
        var ids = Enumerable.Range(1, imageCount).OrderBy(_ => random.Next()).ToArray();
        var images = new List<object>();
        var annotations = new List<object>();
        var results = new List<object>();
        var groundTruth = new Dictionary<int, List<Box>>();
        var predictions = new Dictionary<int, List<Box>>();
        var annotationId = 1000;
        foreach (var id in ids)
        {
            TestImages.WritePng(Path.Combine(_bed.Bed.ImageDir, $"g_{id}.png"), 8, 8);
            images.Add(new { id, file_name = $"g_{id}.png", width = 200, height = 200 });
            groundTruth[id] = [];
            predictions[id] = [];
            for (var i = random.Next(6); i > 0; i--)
            {
                var box = new Box(random.Next(names.Length), random.Next(10) * 10.0, random.Next(10) * 10.0, 10.0 + random.Next(4) * 10, 10.0 + random.Next(4) * 10, 0);
                groundTruth[id].Add(box);
                annotations.Add(new { id = annotationId++, image_id = id, category_id = box.Cls + 1, bbox = new[] { box.X, box.Y, box.W, box.H }, area = box.W * box.H, iscrowd = 0 });
            }
        }

        // Predictions are written in a second shuffled pass so that an image's rows interleave with others'.
        foreach (var id in ids.OrderBy(_ => random.Next()))
        {
            var boxes = groundTruth[id];
            for (var i = random.Next(8); i > 0; i--)
            {
                var near = boxes.Count > 0 && random.Next(3) > 0 ? boxes[random.Next(boxes.Count)] : new Box(random.Next(names.Length), 50, 50, 20, 20, 0);
                var cls = random.Next(4) == 0 ? random.Next(names.Length) : near.Cls;
                var box = new Box(cls, near.X + random.Next(-2, 3) * 3, near.Y + random.Next(-2, 3) * 3, near.W, near.H, random.Next(5) / 4.0);
                predictions[id].Add(box);
                results.Add(new { image_id = id, category_id = cls + 1, bbox = new[] { box.X, box.Y, box.W, box.H }, score = box.Score });
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
        var path = _bed.Bed.WriteFile("results.json", JsonSerializer.Serialize(results));
        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = "gen", format = "coco" })).Status);

        foreach (var (iou, conf) in new[] { (0.5, 0.25), (0.3, 0.5), (0.1, 0.0) })
        {
            var parameters = $"source=gen&iou_threshold={iou}&conf_threshold={conf}";
            var expected = Reference(ids.Order().ToArray(), groundTruth, predictions, names.Length, iou, conf);
            var labels = names.Append("background").ToArray();

            // R19's matrix is the reference's.
            var evaluation = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/evaluation?{parameters}")).Json;
            Assert.Equal(labels, evaluation.GetProperty("confusion_matrix_labels").EnumerateArray().Select(e => e.GetString()!));
            var matrix = evaluation.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
            for (var a = 0; a < labels.Length; a++)
            {
                for (var p = 0; p < labels.Length; p++)
                {
                    Assert.Equal(expected.Count(e => e.Actual == a && e.Predicted == p), matrix[a][p]);
                }
            }

            // Click every cell: exactly the samples counted in it, in evaluation order.
            for (var a = 0; a < labels.Length; a++)
            {
                for (var p = 0; p < labels.Length; p++)
                {
                    var cell = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/confusion-cell-samples?{parameters}&actual_class={labels[a]}&predicted_class={labels[p]}")).Json;
                    var sampleIds = cell.GetProperty("sample_ids").EnumerateArray().Select(e => e.GetString()!).ToArray();
                    Assert.Equal(expected.Where(e => e.Actual == a && e.Predicted == p).Select(e => e.SampleId).Distinct(), sampleIds);
                    Assert.Equal(sampleIds.Length, cell.GetProperty("count").GetInt32());
                    Assert.Equal(matrix[a][p] > 0, sampleIds.Length > 0);
                    Assert.True(sampleIds.Length <= matrix[a][p]);
                }
            }

            // R21: counts are the matrix's diagonal, off-diagonal, background row and column (§6.3).
            var analysis = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/error-analysis?{parameters}")).Json;
            var n = names.Length;
            var summary = analysis.GetProperty("summary");
            Assert.Equal(Enumerable.Range(0, n).Sum(k => matrix[k][k]), summary.GetProperty("true_positives").GetInt64());
            Assert.Equal(Enumerable.Range(0, n).Sum(a => Enumerable.Range(0, n).Where(p => p != a).Sum(p => matrix[a][p])), summary.GetProperty("label_errors").GetInt64());
            Assert.Equal(matrix[n].Sum(), summary.GetProperty("hard_false_positives").GetInt64());
            Assert.Equal(matrix.Sum(r => r[n]), summary.GetProperty("false_negatives").GetInt64());
            var byType = analysis.GetProperty("samples_by_type");
            Assert.Equal(["tp", "hard_fp", "label_error", "false_negative"], byType.EnumerateObject().Select(p => p.Name));
            foreach (var type in new[] { "tp", "hard_fp", "label_error", "false_negative" })
            {
                var list = byType.GetProperty(type).EnumerateArray()
                    .Select(e => (e.GetProperty("sample_id").GetString()!, e.GetProperty("category_name").GetString()!, e.GetProperty("confidence").ValueKind == JsonValueKind.Null ? (double?)null : e.GetProperty("confidence").GetDouble()))
                    .ToArray();
                var reference = expected.Where(e => e.Type == type).Take(50).Select(e => (e.SampleId, names[e.Category], e.Confidence)).ToArray();
                Assert.Equal(reference, list);
            }

            var perClass = analysis.GetProperty("per_class").EnumerateArray().ToArray();
            var classesWithCounts = Enumerable.Range(0, n).Where(k => expected.Any(e => e.Category == k)).ToArray();
            Assert.Equal(classesWithCounts.Select(k => names[k]), perClass.Select(c => c.GetProperty("class_name").GetString()));
            foreach (var (row, k) in perClass.Zip(classesWithCounts))
            {
                Assert.Equal(expected.Count(e => e.Category == k && e.Type == "tp"), row.GetProperty("tp").GetInt64());
                Assert.Equal(expected.Count(e => e.Category == k && e.Type == "hard_fp"), row.GetProperty("hard_fp").GetInt64());
                Assert.Equal(expected.Count(e => e.Category == k && e.Type == "label_error"), row.GetProperty("label_error").GetInt64());
                Assert.Equal(expected.Count(e => e.Category == k && e.Type == "false_negative"), row.GetProperty("fn").GetInt64());
            }

            // R44 over every sample and every error entry (§6.8, D2).
            var worst = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?{parameters}&limit=200")).Json.GetProperty("items").EnumerateArray().ToArray();
            var ranking = Worst(expected);
            Assert.Equal(ranking.Select(r => r.SampleId), worst.Select(w => w.GetProperty("sample_id").GetString()));
            foreach (var (item, r) in worst.Zip(ranking))
            {
                Assert.Equal(r.Count, item.GetProperty("error_count").GetInt64());
                Assert.Equal(Math.Round(r.Spread, 4), item.GetProperty("confidence_spread").GetDouble());
                Assert.Equal(Math.Round(r.Score, 4), item.GetProperty("score").GetDouble());
            }

            var five = (await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/worst-images?{parameters}&limit=5")).Json.GetProperty("items");
            Assert.Equal(ranking.Take(5).Select(r => r.SampleId), five.EnumerateArray().Select(w => w.GetProperty("sample_id").GetString()));
        }
    }

    private static List<Entry> Reference(int[] orderedIds, Dictionary<int, List<Box>> groundTruth, Dictionary<int, List<Box>> predictions, int n, double iouThreshold, double conf)
    {
        var entries = new List<Entry>();
        foreach (var id in orderedIds)
        {
            var gt = groundTruth[id];
            var used = new bool[gt.Count];
            foreach (var p in predictions[id].OrderByDescending(p => p.Score).Where(p => p.Score >= conf))
            {
                var best = -1;
                var bestIou = -1.0;
                for (var g = 0; g < gt.Count; g++)
                {
                    var iou = Iou(p, gt[g]);
                    if (iou > bestIou)
                    {
                        (best, bestIou) = (g, iou);
                    }
                }

                if (best >= 0 && bestIou >= iouThreshold && !used[best])
                {
                    used[best] = true;
                    entries.Add(new Entry($"{id}", gt[best].Cls == p.Cls ? "tp" : "label_error", p.Cls, p.Score, gt[best].Cls, p.Cls));
                }
                else
                {
                    entries.Add(new Entry($"{id}", "hard_fp", p.Cls, p.Score, n, p.Cls));
                }
            }

            for (var g = 0; g < gt.Count; g++)
            {
                if (!used[g])
                {
                    entries.Add(new Entry($"{id}", "false_negative", gt[g].Cls, null, gt[g].Cls, n));
                }
            }
        }

        return entries;
    }

    private static double Iou(Box a, Box b)
    {
        var iw = Math.Min(a.X + a.W, b.X + b.W) - Math.Max(a.X, b.X);
        var ih = Math.Min(a.Y + a.H, b.Y + b.H) - Math.Max(a.Y, b.Y);
        return iw <= 0 || ih <= 0 ? 0 : iw * ih / (a.W * a.H + b.W * b.H - iw * ih);
    }

    private static List<(string SampleId, long Count, double Spread, double Score)> Worst(List<Entry> entries)
    {
        var groups = entries.Where(e => e.Type != "tp").GroupBy(e => e.SampleId).Select((g, order) =>
        {
            var confidences = g.Where(e => e.Confidence.HasValue).Select(e => e.Confidence!.Value).ToArray();
            var spread = confidences.Length < 2 ? 0 : Math.Sqrt(confidences.Select(c => (c - confidences.Average()) * (c - confidences.Average())).Average());
            return (Id: g.Key, Order: order, Count: (long)g.Count(), Spread: spread, Max: confidences.Length == 0 ? (double?)null : confidences.Max());
        }).ToList();
        if (groups.Count == 0)
        {
            return [];
        }

        var e = (double)groups.Max(g => g.Count);
        var s = groups.Max(g => g.Spread) is var max && max == 0 ? 1 : max;
        return [.. groups
            .Select(g => (g.Id, g.Order, g.Count, g.Spread, g.Max, Score: 0.6 * g.Count / e + 0.4 * g.Spread / s))
            .OrderByDescending(g => g.Score).ThenBy(g => g.Max is null).ThenByDescending(g => g.Max ?? 0).ThenBy(g => g.Order)
            .Select(g => (g.Id, g.Count, g.Spread, g.Score))];
    }
}
