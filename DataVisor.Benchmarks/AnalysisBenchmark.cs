using System.Net.Http.Json;
using System.Numerics.Tensors;
using System.Text.Json;
using DataVisor.Api.Analysis;

namespace DataVisor.Benchmarks;

/// <summary>
/// R32's built-in analyst on the val2017-sized evaluation of <see cref="EvaluationBenchmark"/> (5,000 images,
/// ~100,000 detections, 80 classes, 20% of the images tagged), against R19 and R21 on the same data, since
/// the analysis runs the same matching plus the AP curves; then the synchronous split-leakage scan at its cap.
/// </summary>
public static class AnalysisBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var images = options.Int("images", 5_000);
        var repeat = options.Int("repeat", 7);
        var vectors = options.Int("vectors", LeakageScanner.MaxVectors);
        var work = Directory.CreateTempSubdirectory("datavisor-analysis-bench-").FullName;
        try
        {
            var (groundTruth, predictions, gtCount, detectionCount) = EvaluationBenchmark.Generate(work, images);
            Console.WriteLine($"{images:N0} images, {gtCount:N0} ground-truth boxes, {detectionCount:N0} detections");
            var data = Directory.CreateDirectory(Path.Combine(work, "api")).FullName;
            var r32 = new List<double>();
            var r21 = new List<double>();
            var r19 = new List<double>();
            string report;
            using (var api = await ApiServerProcess.StartAsync(data, new Dictionary<string, string> { ["DATAVISOR_INGEST_THUMBNAIL_LIMIT"] = "0" }))
            {
                using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
                using var ingest = await client.PostAsJsonAsync("/datasets/ingest", new { annotation_path = groundTruth, image_dir = work });
                var events = await ingest.Content.ReadAsStringAsync();
                var datasetId = JsonDocument.Parse(events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1]["data: ".Length..])
                    .RootElement.GetProperty("dataset_id").GetString()!;
                using var import = await client.PostAsJsonAsync($"/datasets/{datasetId}/predictions", new { prediction_path = predictions, format = "coco", run_name = "bench" });
                import.EnsureSuccessStatusCode();
                // Every fifth image tagged, in bulk-tag's chunks of at most 500 ids.
                foreach (var chunk in Enumerable.Range(1, images).Where(id => id % 5 == 0).Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Chunk(500))
                {
                    using var tagged = await client.PatchAsJsonAsync("/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = chunk, tag = "dark" });
                    tagged.EnsureSuccessStatusCode();
                }

                var query = "source=bench&iou_threshold=0.5&conf_threshold=0.25";
                var body = """{"source": "bench"}""";
                report = "";
                for (var run = 0; run <= repeat; run++)
                {
                    var analysis = await Measure.ElapsedAsync(async () =>
                    {
                        using var answer = await client.PostAsync($"/datasets/{datasetId}/analyze", new StringContent(body));
                        report = await answer.Content.ReadAsStringAsync();
                    });
                    var errors = await Measure.ElapsedAsync(() => client.GetStringAsync($"/datasets/{datasetId}/error-analysis?{query}"));
                    var evaluation = await Measure.ElapsedAsync(() => client.GetStringAsync($"/datasets/{datasetId}/evaluation?{query}"));
                    if (run > 0)
                    {
                        // The first round warms the JIT and DuckDB's caches.
                        r32.Add(analysis.TotalMilliseconds);
                        r21.Add(errors.TotalMilliseconds);
                        r19.Add(evaluation.TotalMilliseconds);
                    }
                }
            }

            var patterns = JsonDocument.Parse(report).RootElement.GetProperty("patterns").GetArrayLength();
            var scan = LeakageScan(vectors, 512, repeat: 3);
            Console.WriteLine();
            Console.WriteLine($"built-in report: {patterns} patterns");
            Console.WriteLine("| measure (median) | ms |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine($"| R32 analyze, built-in analyst, over HTTP | {Measure.Median(r32):F0} |");
            Console.WriteLine($"| R21 error analysis over HTTP | {Measure.Median(r21):F0} |");
            Console.WriteLine($"| R19 evaluation over HTTP | {Measure.Median(r19):F0} |");
            Console.WriteLine($"| split-leakage scan, {vectors:N0} x 512 vectors in two splits, in process | {scan:F0} |");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Random unit vectors, alternately train and val, through the analyst's own scan.</summary>
    private static double LeakageScan(int count, int dimension, int repeat)
    {
        var random = new Random(95);
        var vectors = new float[count * dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = (float)(random.NextDouble() * 2 - 1);
        }

        for (var row = 0; row < count; row++)
        {
            var span = vectors.AsSpan(row * dimension, dimension);
            TensorPrimitives.Divide(span, TensorPrimitives.Norm(span), span);
        }

        var rows = Enumerable.Range(0, count).ToArray();
        var splits = rows.Select(r => r % 2 == 0 ? "train" : "val").ToArray();
        var times = new List<double>();
        for (var run = 0; run < repeat; run++)
        {
            times.Add(Measure.Elapsed(() => LeakageScanner.CrossSplitPairs(vectors, dimension, rows, splits)).TotalMilliseconds);
        }

        return Measure.Median(times);
    }
}
