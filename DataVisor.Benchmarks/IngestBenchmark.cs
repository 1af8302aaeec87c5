using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace DataVisor.Benchmarks;

/// <summary>
/// COCO ingest (R2, metadata only, thumbnails off) against the lower bound of merely reading the same
/// file once with System.Text.Json, measured in the same run. Also reports the API process's peak RSS.
/// </summary>
public static class IngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var images = options.Int("images", 100_000);
        var perImage = options.Int("annotations-per-image", 10);
        var repeat = options.Int("repeat", 3);
        // Another build of the API (its DataVisor.Api.dll), ingested in the same rounds, interleaved, for a
        // before/after ratio that the machine's load swings cannot fake.
        var baselineApi = options.String("baseline-api");
        // Extra API settings, KEY=VALUE[,KEY=VALUE], e.g. DATAVISOR_DUCKDB_MEMORY_LIMIT=128MB.
        var extraSettings = (options.String("api-settings") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
        var work = Directory.CreateTempSubdirectory("datavisor-ingest-bench-").FullName;
        try
        {
            var annotationPath = Path.Combine(work, "instances.json");
            var imageDir = Directory.CreateDirectory(Path.Combine(work, "images")).FullName;
            var generate = Stopwatch.StartNew();
            WriteCoco(annotationPath, images, perImage);
            var fileBytes = new FileInfo(annotationPath).Length;
            Console.WriteLine($"COCO file: {images:N0} images, {images * perImage:N0} annotations, {fileBytes / 1e6:F1} MB (generated in {generate.Elapsed.TotalSeconds:F1} s)");

            var tokenWalk = new List<double>();
            var deserialize = new List<double>();
            var ingest = new List<double>();
            var peaks = new List<long>();
            var baseline = new List<double>();
            var floor = new List<double>();
            // The floor runs under the API's DuckDB memory limit (its default unless --api-settings sets one).
            var floorMemoryLimit = extraSettings.GetValueOrDefault("DATAVISOR_DUCKDB_MEMORY_LIMIT", "256MB");
            for (var run = 1; run <= repeat; run++)
            {
                tokenWalk.Add(Measure.Elapsed(() => WalkTokens(annotationPath)).TotalSeconds);
                deserialize.Add((await Measure.ElapsedAsync(() => DeserializeAsync(annotationPath))).TotalSeconds);
                var parse = (await Measure.ElapsedAsync(() => ReadEntriesAsync(annotationPath))).TotalSeconds;
                Console.WriteLine($"run {run}: the API's CocoStreamReader alone (entries built, nothing stored) {parse:F2} s = {parse / tokenWalk[^1]:F2}x the read");
                var floorRun = IngestFloor.Run(work, images, perImage, floorMemoryLimit);
                floor.Add(floorRun.AppendSeconds);
                Console.WriteLine($"run {run}: floor (Appender alone, {images:N0} samples + {images * perImage:N0} annotations, memory_limit {floorMemoryLimit}) {floorRun.AppendSeconds:F2} s = {floorRun.AppendSeconds / tokenWalk[^1]:F2}x the read");
                foreach (var (probe, probeSeconds) in floorRun.Probes)
                {
                    Console.WriteLine($"run {run}:   probe: {probe} {probeSeconds:F2} s");
                }

                if (options.String("floor-only") is not null)
                {
                    continue;
                }

                var (seconds, peak) = await IngestAsync(work, $"{run}", annotationPath, imageDir, images, images * perImage, extraSettings, null);
                ingest.Add(seconds);
                peaks.Add(peak);
                Console.WriteLine($"run {run}: read (Utf8JsonReader) {tokenWalk[^1]:F2} s, deserialize (JsonSerializer) {deserialize[^1]:F2} s, ingest {seconds:F2} s, API peak RSS {peak / 1e6:F0} MB");
                if (baselineApi is not null)
                {
                    var (baseSeconds, basePeak) = await IngestAsync(work, $"{run}-baseline", annotationPath, imageDir, images, images * perImage, extraSettings, baselineApi);
                    baseline.Add(baseSeconds);
                    Console.WriteLine($"run {run}: baseline API ingest {baseSeconds:F2} s, peak RSS {basePeak / 1e6:F0} MB; this build / baseline {seconds / baseSeconds:F2}x");
                }
            }

            var read = Measure.Median(tokenWalk);
            var floorSeconds = Measure.Median(floor);
            Console.WriteLine();
            Console.WriteLine($"floor: DuckDB Appender alone (no JSON) {floorSeconds:F2} s = {floorSeconds / read:F2}x the read ({read:F2} s)");
            if (ingest.Count == 0)
            {
                return 0;
            }

            var objects = Measure.Median(deserialize);
            var total = Measure.Median(ingest);
            Console.WriteLine();
            Console.WriteLine("| measure (median of runs) | seconds | ingest / measure |");
            Console.WriteLine("|---|---|---|");
            Console.WriteLine($"| read once with Utf8JsonReader (lower bound) | {read:F2} | {total / read:F2}x |");
            Console.WriteLine($"| JsonSerializer.Deserialize into COCO records | {objects:F2} | {total / objects:F2}x |");
            Console.WriteLine($"| floor: DuckDB Appender alone, same rows from memory (no JSON) | {floorSeconds:F2} | {total / floorSeconds:F2}x (floor / read {floorSeconds / read:F2}x) |");
            Console.WriteLine($"| R2 ingest, end to end over HTTP | {total:F2} | 1.00x |");
            if (baseline.Count > 0)
            {
                Console.WriteLine($"| baseline API ingest ({baselineApi}) | {Measure.Median(baseline):F2} | {total / Measure.Median(baseline):F2}x |");
                // Per-round ratios: each round's two ingests saw the same load, unlike the two medians.
                var ratios = ingest.Zip(baseline, (mine, theirs) => mine / theirs).ToList();
                Console.WriteLine($"this build / baseline per round: {string.Join(", ", ratios.Select(r => $"{r:F2}x"))} (median {Measure.Median(ratios):F2}x)");
            }

            Console.WriteLine($"ingest rate: {images / total:N0} images/s, {images * perImage / total:N0} annotations/s; API peak RSS: max {peaks.Max() / 1e6:F0} MB");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(double Seconds, long PeakBytes)> IngestAsync(
        string work, string run, string annotationPath, string imageDir, int images, int annotations, Dictionary<string, string> extraSettings, string? apiAssemblyPath)
    {
        var data = Directory.CreateDirectory(Path.Combine(work, $"api-{run}")).FullName;
        var settings = new Dictionary<string, string>(extraSettings) { ["DATAVISOR_INGEST_THUMBNAIL_LIMIT"] = "0" };
        using var api = await ApiServerProcess.StartAsync(data, settings, apiAssemblyPath);
        using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(30) };
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync("/datasets/ingest", new { annotation_path = annotationPath, image_dir = imageDir });
        var body = await response.Content.ReadAsStringAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        var expected = $"Ingestion complete: {images} images, {annotations} annotations";
        if (!body.Contains(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ingest did not complete as expected: {body[^Math.Min(body.Length, 500)..]}");
        }

        return (seconds, api.PeakResidentBytes());
    }

    /// <summary>The lower bound: every token of the file read once, nothing kept.</summary>
    private static long WalkTokens(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var state = new JsonReaderState();
            int kept = 0, read;
            long tokens = 0;
            while ((read = file.Read(buffer, kept, buffer.Length - kept)) > 0 || kept > 0)
            {
                var length = kept + read;
                var reader = new Utf8JsonReader(buffer.AsSpan(0, length), isFinalBlock: read == 0, state);
                while (reader.Read())
                {
                    tokens++;
                }

                state = reader.CurrentState;
                kept = length - (int)reader.BytesConsumed;
                if (read == 0)
                {
                    break;
                }

                buffer.AsSpan((int)reader.BytesConsumed, kept).CopyTo(buffer);
            }

            return tokens;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The ingest's own reader over the file: every entry built, nothing stored.</summary>
    private static async Task ReadEntriesAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var reader = new DataVisor.Api.Ingestion.CocoStreamReader(file, path);
        long entries = 0;
        while (true)
        {
            switch (reader.Read())
            {
                case DataVisor.Api.Ingestion.CocoReadStatus.NeedMoreData:
                    await reader.FillAsync(CancellationToken.None);
                    break;
                case DataVisor.Api.Ingestion.CocoReadStatus.End:
                    return;
                default:
                    entries++;
                    break;
            }
        }
    }

    private static async Task DeserializeAsync(string path)
    {
        await using var file = File.OpenRead(path);
        var document = await JsonSerializer.DeserializeAsync<CocoDocument>(file, JsonOptions);
        if (document?.Annotations is null)
        {
            throw new InvalidOperationException("no annotations");
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record CocoDocument(List<CocoImage>? Images, List<CocoAnnotation>? Annotations, List<CocoCategory>? Categories);

    private sealed record CocoImage(long Id, string FileName, int Width, int Height);

    private sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, double[] Bbox, double Area, int Iscrowd, double[][]? Segmentation);

    private sealed record CocoCategory(long Id, string Name);

    /// <summary>COCO val2017's layout: images, then annotations with polygons, categories last.</summary>
    private static void WriteCoco(string path, int images, int perImage)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var json = new Utf8JsonWriter(stream);
        var random = new Random(7);
        json.WriteStartObject();
        json.WriteStartObject("info");
        json.WriteString("description", "DataVisor ingest benchmark");
        json.WriteEndObject();
        Measure.WriteCocoImages(json, images);
        json.WriteStartArray("annotations");
        long annotationId = 1;
        for (var image = 1; image <= images; image++)
        {
            for (var k = 0; k < perImage; k++)
            {
                double x = random.Next(600), y = random.Next(440), w = 1 + random.Next(40), h = 1 + random.Next(40);
                json.WriteStartObject();
                json.WriteStartArray("segmentation");
                json.WriteStartArray();
                foreach (var value in new[] { x, y, x + w, y, x + w, y + h, x, y + h })
                {
                    json.WriteNumberValue(Math.Round(value + random.NextDouble(), 2));
                }

                json.WriteEndArray();
                json.WriteEndArray();
                json.WriteNumber("area", Math.Round(w * h, 2));
                json.WriteNumber("iscrowd", 0);
                json.WriteNumber("image_id", image);
                json.WriteStartArray("bbox");
                json.WriteNumberValue(x);
                json.WriteNumberValue(y);
                json.WriteNumberValue(w);
                json.WriteNumberValue(h);
                json.WriteEndArray();
                json.WriteNumber("category_id", 1 + random.Next(80));
                json.WriteNumber("id", annotationId++);
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteStartArray("categories");
        for (var c = 1; c <= 80; c++)
        {
            json.WriteStartObject();
            json.WriteString("supercategory", "thing");
            json.WriteNumber("id", c);
            json.WriteString("name", $"class_{c:D2}");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
