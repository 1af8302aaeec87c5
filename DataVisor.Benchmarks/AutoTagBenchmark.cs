using System.Diagnostics;
using DataVisor.Api.AutoTagging;
using DataVisor.Tests.AutoTagging;
using SkiaSharp;

namespace DataVisor.Benchmarks;

/// <summary>
/// docs/PERFORMANCE.md "Auto-tagging (issue 7)": images/s of the built-in tagger (decode with EXIF
/// orientation at the working size, measure, classify) on generated 640x480 JPEGs, against a plain
/// SkiaSharp decode of the same files in the same run. <c>--calibrate</c> instead prints, per scene family
/// and size, the measurements the tagger's thresholds were chosen from.
/// </summary>
public static class AutoTagBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var imageCount = Option(args, "--images", 2000);
        var work = Directory.CreateTempSubdirectory("datavisor-bench-autotag-");
        try
        {
            return Task.FromResult(args.Contains("--calibrate") ? Calibrate(work.FullName, Option(args, "--seeds", 30)) : Throughput(work.FullName, imageCount));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static int Throughput(string folder, int imageCount)
    {
        // Every family in turn, so the mix of content (and JPEG sizes) is that of the tests.
        var files = Enumerable.Range(0, imageCount)
            .Select(index =>
            {
                var family = TaggingScenes.Families[index % TaggingScenes.Families.Count];
                return TaggingScenes.WriteJpeg(family.Draw(index, 640, 480), Path.Combine(folder, $"{index:D6}.jpg"));
            })
            .ToList();
        Console.WriteLine($"{imageCount} JPEGs of 640x480, {files.Average(f => new FileInfo(f).Length) / 1024:F0} KB on average; {Environment.ProcessorCount} cores");

        foreach (var file in files.Take(5))
        {
            Decode(file);
            Tag(file);
        }

        // Interleaved rounds, best of three, so all see the same machine load.
        double decode = 0, working = 0, tag = 0, tagParallel = 0;
        for (var round = 0; round < 3; round++)
        {
            decode = Math.Max(decode, ImagesPerSecond(files, Decode, workers: 1));
            working = Math.Max(working, ImagesPerSecond(files, DecodeAtWorkingSize, workers: 1));
            tag = Math.Max(tag, ImagesPerSecond(files, Tag, workers: 1));
            tagParallel = Math.Max(tagParallel, ImagesPerSecond(files, Tag, workers: 2));
        }

        Console.WriteLine($"plain SkiaSharp decode (baseline), one thread: {decode:F1} images/s");
        Console.WriteLine($"oriented decode resampled to the working size (no measuring), one thread: {working:F1} images/s ({working / decode:F2}x)");
        Console.WriteLine($"built-in tagger, one thread: {tag:F1} images/s (ratio to decode {tag / decode:F2}x)");
        Console.WriteLine($"built-in tagger, two workers (as the job runs): {tagParallel:F1} images/s");
        return 0;
    }

    private static void Decode(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException(path);
    }

    private static void DecodeAtWorkingSize(string path)
    {
        var (bitmap, _) = Api.Images.ThumbnailRenderer.RenderBitmap(path, BuiltInTagger.WorkingSize, bilinear: true);
        (bitmap ?? throw new InvalidDataException(path)).Dispose();
    }

    private static void Tag(string path)
    {
        using var image = BuiltInTagger.Decode(path) ?? throw new InvalidDataException(path);
        _ = (BuiltInTagger.Lighting(image.Measurements), BuiltInTagger.Clarity(image.Measurements));
    }

    private static double ImagesPerSecond(List<string> files, Action<string> work, int workers)
    {
        var started = Stopwatch.GetTimestamp();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = workers }, work);
        return files.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static int Calibrate(string folder, int seeds)
    {
        var wrong = 0;
        Console.WriteLine("family  size       mean luma (min/med/max)  highlights max  sharpness (min/med/max)  noise sigma (min/med/max)  tags as expected");
        foreach (var family in TaggingScenes.Families)
        {
            foreach (var (width, height) in new[] { (640, 480), (1280, 960), (400, 300) })
            {
                var measured = Enumerable.Range(1, seeds).Select(seed =>
                {
                    var path = TaggingScenes.WriteJpeg(family.Draw(seed, width, height), Path.Combine(folder, $"{family.Name}-{seed}.jpg"));
                    using var image = BuiltInTagger.Decode(path)!;
                    return image.Measurements;
                }).ToList();
                var expected = measured.Count(m => BuiltInTagger.Lighting(m) == family.Lighting && BuiltInTagger.Clarity(m) == family.Clarity);
                wrong += measured.Count - expected;
                Console.WriteLine(
                    $"{family.Name,-7} {width}x{height,-5} {Spread(measured, m => m.MeanLuma),-24} {measured.Max(m => m.HighlightFraction),-15:F3} " +
                    $"{Spread(measured, m => m.Sharpness),-24} {Spread(measured, m => m.NoiseSigma),-26} {expected}/{measured.Count}");
            }
        }

        // Where "blurry" begins: the neutral scene under growing blur (sigma in working-size pixels).
        foreach (var sigma in new[] { 0.5f, 1f, 1.5f, 2f, 3f })
        {
            var measured = Enumerable.Range(1, seeds).Select(seed =>
            {
                var blurred = TaggingScenes.Blurred(TaggingScenes.Neutral(seed, 640, 480), sigma * 640 / BuiltInTagger.WorkingSize);
                var path = TaggingScenes.WriteJpeg(blurred, Path.Combine(folder, $"sweep-{seed}.jpg"));
                using var image = BuiltInTagger.Decode(path)!;
                return image.Measurements;
            }).ToList();
            Console.WriteLine($"neutral blurred by sigma {sigma} working px: sharpness {Spread(measured, m => m.Sharpness)}, blurry {measured.Count(m => BuiltInTagger.Clarity(m) == "blurry")}/{measured.Count}");
        }

        return wrong == 0 ? 0 : 1;
    }

    private static string Spread(List<ImageMeasurements> measured, Func<ImageMeasurements, double> value)
    {
        var values = measured.Select(value).ToList();
        return $"{values.Min():F2}/{Measure.Median(values):F2}/{values.Max():F2}";
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) && value > 0 ? value : fallback;
    }
}
