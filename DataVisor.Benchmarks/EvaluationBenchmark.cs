using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api.Evaluation;
using DuckDB.NET.Data;

namespace DataVisor.Benchmarks;

/// <summary>
/// A COCO-val2017-sized evaluation (5,000 images, ~36,000 ground-truth boxes, ~100,000 detections over
/// 80 classes, generated): R19 and R21 end to end over HTTP, then the same evaluation in process split
/// into loading from DuckDB and computing.
/// </summary>
public static class EvaluationBenchmark
{
    private const int Classes = 80;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var images = options.Int("images", 5_000);
        var repeat = options.Int("repeat", 7);
        var work = Directory.CreateTempSubdirectory("datavisor-eval-bench-").FullName;
        try
        {
            var (groundTruth, predictions, gtCount, detectionCount) = Generate(work, images);
            Console.WriteLine($"{images:N0} images, {gtCount:N0} ground-truth boxes, {detectionCount:N0} detections, {Classes} classes");
            var data = Directory.CreateDirectory(Path.Combine(work, "api")).FullName;
            string datasetId;
            var r19 = new List<double>();
            var r21 = new List<double>();
            using (var api = await ApiServerProcess.StartAsync(data, new Dictionary<string, string> { ["DATAVISOR_INGEST_THUMBNAIL_LIMIT"] = "0" }))
            {
                using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
                using var ingest = await client.PostAsJsonAsync("/datasets/ingest", new { annotation_path = groundTruth, image_dir = work });
                var events = await ingest.Content.ReadAsStringAsync();
                datasetId = JsonDocument.Parse(events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1]["data: ".Length..])
                    .RootElement.GetProperty("dataset_id").GetString()!;
                using var import = await client.PostAsJsonAsync($"/datasets/{datasetId}/predictions", new { prediction_path = predictions, format = "coco", run_name = "bench" });
                Console.WriteLine($"import: {(int)import.StatusCode} {await import.Content.ReadAsStringAsync()}");

                var query = "source=bench&iou_threshold=0.5&conf_threshold=0.25";
                for (var run = 0; run <= repeat; run++)
                {
                    var evaluation = (await Measure.ElapsedAsync(() => client.GetStringAsync($"/datasets/{datasetId}/evaluation?{query}"))).TotalMilliseconds;
                    var analysis = (await Measure.ElapsedAsync(() => client.GetStringAsync($"/datasets/{datasetId}/error-analysis?{query}"))).TotalMilliseconds;
                    if (run > 0)
                    {
                        // The first round warms the JIT and DuckDB's caches.
                        r19.Add(evaluation);
                        r21.Add(analysis);
                    }
                }

                var answer = JsonDocument.Parse(await client.GetStringAsync($"/datasets/{datasetId}/evaluation?{query}")).RootElement.GetProperty("ap_metrics");
                Console.WriteLine($"map50 {answer.GetProperty("map50").GetDouble():F4}, map75 {answer.GetProperty("map75").GetDouble():F4}, map50_95 {answer.GetProperty("map50_95").GetDouble():F4}");
            }

            var (load, compute) = InProcess(Path.Combine(data, "datavisor.duckdb"), datasetId, repeat);
            Console.WriteLine();
            Console.WriteLine("| measure (median) | ms | share |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine($"| R19 evaluation over HTTP (mAP at 10 IoUs, per-class AP, PR curves, matrix) | {Measure.Median(r19):F0} | |");
            Console.WriteLine($"| R21 error analysis over HTTP | {Measure.Median(r21):F0} | |");
            Console.WriteLine($"| in process: load the scope from DuckDB | {load:F0} | {load / (load + compute):P0} |");
            Console.WriteLine($"| in process: compute R19 (DetectionEvaluator) | {compute:F0} | {compute / (load + compute):P0} |");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static (double LoadMs, double ComputeMs) InProcess(string databasePath, string datasetId, int repeat)
    {
        using var connection = new DuckDBConnection($"Data Source={databasePath}");
        connection.Open();
        var loads = new List<double>();
        var computes = new List<double>();
        for (var run = 0; run <= repeat; run++)
        {
            var clock = Stopwatch.StartNew();
            var samples = EvaluationScope.Load(connection, datasetId, "bench", split: null);
            var loaded = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            _ = DetectionEvaluator.Evaluate(samples, 0.5, 0.25);
            if (run > 0)
            {
                loads.Add(loaded);
                computes.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return (Measure.Median(loads), Measure.Median(computes));
    }

    /// <summary>val2017-like boxes: ~7 per image, skewed classes, all three area ranges, 1 % crowd.</summary>
    internal static (string GroundTruth, string Predictions, int GtCount, int DetectionCount) Generate(string folder, int images)
    {
        var random = new Random(2017);
        var gtPath = Path.Combine(folder, "instances_val.json");
        var predictionPath = Path.Combine(folder, "detections.json");
        var boxes = new List<(int Image, int Class, double X, double Y, double W, double H)>();
        using (var stream = File.Create(gtPath))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            Measure.WriteCocoImages(json, images);
            json.WriteStartArray("annotations");
            for (var image = 1; image <= images; image++)
            {
                var count = 1 + random.Next(13);
                for (var k = 0; k < count; k++)
                {
                    var size = Math.Exp(random.NextDouble() * Math.Log(300)) + 4;
                    double w = size * (0.6 + 0.8 * random.NextDouble()), h = size * (0.6 + 0.8 * random.NextDouble());
                    double x = random.NextDouble() * (640 - Math.Min(w, 639)), y = random.NextDouble() * (480 - Math.Min(h, 479));
                    var category = 1 + (int)(Classes * Math.Pow(random.NextDouble(), 2));
                    boxes.Add((image, category, x, y, w, h));
                    json.WriteStartObject();
                    json.WriteNumber("id", boxes.Count);
                    json.WriteNumber("image_id", image);
                    json.WriteNumber("category_id", category);
                    WriteBox(json, x, y, w, h);
                    json.WriteNumber("area", Math.Round(w * h * 0.8, 2));
                    json.WriteNumber("iscrowd", random.NextDouble() < 0.01 ? 1 : 0);
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            json.WriteStartArray("categories");
            for (var c = 1; c <= Classes; c++)
            {
                json.WriteStartObject();
                json.WriteNumber("id", c);
                json.WriteString("name", $"class_{c:D2}");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var detections = 0;
        using (var stream = File.Create(predictionPath))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartArray();
            foreach (var (image, category, x, y, w, h) in boxes)
            {
                if (random.NextDouble() < 0.8)
                {
                    var jitter = 0.15 * Math.Min(w, h);
                    var predicted = random.NextDouble() < 0.1 ? 1 + random.Next(Classes) : category;
                    WriteDetection(json, image, predicted, x + Noise(random, jitter), y + Noise(random, jitter), w + Noise(random, jitter), h + Noise(random, jitter), 0.3 + 0.7 * random.NextDouble());
                    detections++;
                }
            }

            // Background detections up to ~100K in all, mostly at low scores, as detectors emit them.
            while (detections < 100_000)
            {
                double w = 8 + random.Next(200), h = 8 + random.Next(200);
                WriteDetection(json, 1 + random.Next(images), 1 + random.Next(Classes), random.Next(640 - 8), random.Next(480 - 8), w, h, Math.Pow(random.NextDouble(), 3));
                detections++;
            }

            json.WriteEndArray();
        }

        return (gtPath, predictionPath, boxes.Count, detections);
    }

    private static double Noise(Random random, double amount) => (random.NextDouble() * 2 - 1) * amount;

    private static void WriteDetection(Utf8JsonWriter json, int image, int category, double x, double y, double w, double h, double score)
    {
        json.WriteStartObject();
        json.WriteNumber("image_id", image);
        json.WriteNumber("category_id", category);
        WriteBox(json, Math.Max(0, x), Math.Max(0, y), Math.Max(1, w), Math.Max(1, h));
        json.WriteNumber("score", Math.Round(score, 5));
        json.WriteEndObject();
    }

    private static void WriteBox(Utf8JsonWriter json, double x, double y, double w, double h)
    {
        json.WriteStartArray("bbox");
        json.WriteNumberValue(Math.Round(x, 2));
        json.WriteNumberValue(Math.Round(y, 2));
        json.WriteNumberValue(Math.Round(w, 2));
        json.WriteNumberValue(Math.Round(h, 2));
        json.WriteEndArray();
    }
}
