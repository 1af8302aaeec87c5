using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api;
using DataVisor.Api.Images;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SkiaSharp;

namespace DataVisor.Benchmarks;

/// <summary>
/// docs/PERFORMANCE.md "Thumbnails (issue 3)": cold generation of <c>medium</c> thumbnails from 1920×1080
/// JPEGs, with and without reduced-scale decoding, in the same run; the ingest stage (two decoders); and
/// the latency of a cache hit through the whole R14 request pipeline.
/// </summary>
public static class ThumbnailBenchmark
{
    private const int Quality = 80;
    private const int CacheHitRequests = 2000;

    public static async Task<int> RunAsync(string[] args)
    {
        var imageCount = args is ["--images", var n, ..] && int.TryParse(n, out var parsed) && parsed > 0 ? parsed : 40;
        var work = Directory.CreateTempSubdirectory("datavisor-bench-thumbnails-");
        try
        {
            var imageDir = Directory.CreateDirectory(Path.Combine(work.FullName, "images")).FullName;
            var files = Enumerable.Range(1, imageCount).Select(i => WritePhotoLikeJpeg(Path.Combine(imageDir, $"{i}.jpg"), i)).ToList();
            Console.WriteLine($"{imageCount} JPEGs of 1920x1080, {files.Average(f => new FileInfo(f).Length) / 1024:F0} KB on average; {Environment.ProcessorCount} cores");

            // Warm-up: JIT and Skia's first-use costs.
            foreach (var file in files.Take(3))
            {
                ThumbnailRenderer.Render(file, ImageSize.Medium.LongestSide(), Quality, reducedScaleDecoding: true);
                ThumbnailRenderer.Render(file, ImageSize.Medium.LongestSide(), Quality, reducedScaleDecoding: false);
            }

            // Interleaved rounds, best of three, so both modes see the same machine load.
            var reduced = 0d;
            var full = 0d;
            for (var round = 0; round < 3; round++)
            {
                reduced = Math.Max(reduced, ImagesPerSecond(files, reducedScaleDecoding: true));
                full = Math.Max(full, ImagesPerSecond(files, reducedScaleDecoding: false));
            }

            Console.WriteLine($"cold generation, one thread, reduced-scale decode: {reduced:F1} images/s");
            Console.WriteLine($"cold generation, one thread, full decode (baseline): {full:F1} images/s");
            Console.WriteLine($"ratio: {reduced / full:F2}x");

            await MeasureThroughTheApiAsync(work.FullName, imageDir, files.Count);
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static double ImagesPerSecond(List<string> files, bool reducedScaleDecoding)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var file in files)
        {
            var rendered = ThumbnailRenderer.Render(file, ImageSize.Medium.LongestSide(), Quality, reducedScaleDecoding);
            if (rendered.Webp is null)
            {
                throw new InvalidOperationException($"{file}: {rendered.Failure}");
            }
        }

        return files.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task MeasureThroughTheApiAsync(string work, string imageDir, int imageCount)
    {
        using var api = new BenchmarkApi(Path.Combine(work, "state"), imageCount);
        using var client = api.CreateClient();

        var coco = Path.Combine(work, "coco.json");
        await File.WriteAllTextAsync(coco, JsonSerializer.Serialize(new
        {
            images = Enumerable.Range(1, imageCount).Select(i => new { id = i, file_name = $"{i}.jpg", width = 1920, height = 1080 }),
        }));
        var started = Stopwatch.GetTimestamp();
        using var ingest = await client.PostAsJsonAsync("/datasets/ingest", new { annotation_path = coco, image_dir = imageDir });
        var stream = await ingest.Content.ReadAsStringAsync();
        var ingestSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var events = stream.Split("\n\n").Where(part => part.StartsWith("data: ", StringComparison.Ordinal))
            .Select(part => JsonDocument.Parse(part["data: ".Length..]).RootElement).ToList();
        var thumbnails = events.Last(e => e.GetProperty("stage").GetString() == "thumbnails").GetProperty("message").GetString();
        var datasetId = events[^1].GetProperty("dataset_id").GetString();
        Console.WriteLine($"ingest of {imageCount} images with pre-generation (2 decoders): {ingestSeconds:F2} s, {imageCount / ingestSeconds:F1} images/s ({thumbnails})");

        // Cache hits: every medium thumbnail was made by the ingest.
        var latencies = new double[CacheHitRequests];
        for (var i = -200; i < CacheHitRequests; i++)
        {
            var request = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync($"/images/{datasetId}/{(Math.Abs(i) % imageCount) + 1}?size=medium");
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(request).TotalMilliseconds;
            if (!response.IsSuccessStatusCode || bytes.Length == 0)
            {
                throw new InvalidOperationException($"cache hit failed: {(int)response.StatusCode}");
            }

            if (i >= 0)
            {
                latencies[i] = elapsed;
            }
        }

        Array.Sort(latencies);
        Console.WriteLine(
            $"cache hit, GET /images/{{dataset}}/{{sample}}?size=medium in-process ({CacheHitRequests} requests): " +
            $"p50 {Percentile(latencies, 0.50):F3} ms, p95 {Percentile(latencies, 0.95):F3} ms, p99 {Percentile(latencies, 0.99):F3} ms");
    }

    private static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Round(p * (sorted.Length - 1)))];

    /// <summary>Something a JPEG encoder has to work for: gradients, shapes and fine texture, different per image.</summary>
    private static string WritePhotoLikeJpeg(string path, int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(1920, 1080);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var gradient = SKShader.CreateLinearGradient(
                new SKPoint(0, 0), new SKPoint(1920, 1080),
                [new SKColor((uint)random.Next()) .WithAlpha(255), new SKColor((uint)random.Next()).WithAlpha(255)],
                SKShaderTileMode.Clamp);
            using (var background = new SKPaint { Shader = gradient })
            {
                canvas.DrawRect(0, 0, 1920, 1080, background);
            }

            using var paint = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 300; i++)
            {
                paint.Color = new SKColor((uint)random.Next()).WithAlpha((byte)random.Next(80, 255));
                canvas.DrawCircle(random.Next(1920), random.Next(1080), random.Next(4, 120), paint);
            }

            using var noise = SKShader.CreatePerlinNoiseFractalNoise(0.2f, 0.2f, 2, seed);
            using var texture = new SKPaint { Shader = noise, BlendMode = SKBlendMode.Overlay };
            canvas.DrawRect(0, 0, 1920, 1080, texture);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private sealed class BenchmarkApi(string stateDirectory, int thumbnailLimit) : WebApplicationFactory<ApiEntryPoint>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
            builder.UseSetting("DATAVISOR_DB_PATH", Path.Combine(stateDirectory, "datavisor.duckdb"));
            builder.UseSetting("DATAVISOR_THUMBNAIL_CACHE_DIR", Path.Combine(stateDirectory, "thumbnails"));
            builder.UseSetting("DATAVISOR_QDRANT_PATH", Path.Combine(stateDirectory, "qdrant"));
            builder.UseSetting("DATAVISOR_MODELS_DIR", Path.Combine(stateDirectory, "models"));
            builder.UseSetting("DATAVISOR_PLUGIN_DIR", Path.Combine(stateDirectory, "plugins"));
            builder.UseSetting("DATAVISOR_INGEST_THUMBNAIL_LIMIT", thumbnailLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
