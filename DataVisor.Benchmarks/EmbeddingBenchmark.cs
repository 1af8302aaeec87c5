using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Threading.Channels;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Embeddings;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace DataVisor.Benchmarks;

/// <summary>
/// docs/PERFORMANCE.md "Embeddings and similarity (issue 5)". Two parts, each with its baseline in the same run:
/// <list type="number">
/// <item>Embedding throughput on generated 640x480 JPEGs: decode + preprocess (the API's ImagePreprocessor)
/// in a producer task feeding a bounded channel, as the generation job does, and the forward pass of the
/// TorchSharp ResNet (batch 32) against ONNX Runtime on the same ResNet18.onnx. The ONNX file's batch
/// dimension is fixed at 1, so ONNX Runtime runs batch 1 in a loop over the same preprocessed buffers.</item>
/// <item>Similarity query latency: <see cref="SimilarityIndex.TopSimilar"/> (the exact R28 scan) on random
/// unit-length 512-d rows against a bare <see cref="TensorPrimitives.Dot"/> scan with a sorted top-k array.</item>
/// </list>
/// </summary>
internal static class EmbeddingBenchmark
{
    private const string OnnxInputName = "Input247";
    private const string OnnxOutputName = "Pooling395_Output_0";
    private const int TopK = 20;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var only = options.String("only");
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average at start: {LoadAverage()}");
        if (only is null or "throughput")
        {
            await MeasureThroughputAsync(
                options.Int("images", 96),
                options.Int("rounds", 3),
                options.Int("batch", EmbeddingGenerator.BatchSize),
                options.String("layout") != "nchw",
                options.Int("torch-threads", 0),
                options.Int("onnx-threads", Environment.ProcessorCount));
        }

        if (only is null or "similarity")
        {
            var sizes = (options.String("vectors") ?? "100000,1000000").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture));
            foreach (var size in sizes)
            {
                MeasureSimilarity(size, options.Int("dimension", 512), options.Int("queries", 30));
            }
        }

        Console.WriteLine($"load average at end: {LoadAverage()}");
        return 0;
    }

    private static async Task MeasureThroughputAsync(int imageCount, int rounds, int batchSize, bool channelsLast, int torchThreads, int onnxThreads)
    {
        var work = Directory.CreateTempSubdirectory("datavisor-bench-embeddings-");
        try
        {
            var files = Enumerable.Range(1, imageCount).Select(i => WritePhotoLikeJpeg(Path.Combine(work.FullName, $"{i}.jpg"), i)).ToList();
            using var registry = new EmbeddingModelRegistry(EmbeddingModelRegistry.DefaultBuiltInModelDirectory);
            var model = registry.Load(EmbeddingModelRegistry.BuiltInModelName);
            // The registry's model is channels-last; the NCHW variant is loaded beside it for comparison.
            using var nchw = channelsLast ? null : ResNetFeatureExtractor.Load(Path.Combine(EmbeddingModelRegistry.DefaultBuiltInModelDirectory, "ResNet18.onnx"), channelsLast: false);
            if (torchThreads > 0)
            {
                TorchSharp.torch.set_num_threads(torchThreads);
            }

            Console.WriteLine($"{imageCount} JPEGs of 640x480, {files.Average(f => new FileInfo(f).Length) / 1024:F0} KB on average; batch {batchSize}; "
                + $"{(channelsLast ? "channels-last" : "NCHW")}; libtorch threads {TorchSharp.torch.get_num_threads()}; ONNX Runtime intra-op threads {onnxThreads}");
            using var sessionOptions = new SessionOptions
            {
                IntraOpNumThreads = onnxThreads,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            using var onnx = new InferenceSession(Path.Combine(EmbeddingModelRegistry.DefaultBuiltInModelDirectory, "ResNet18.onnx"), sessionOptions);
            Func<float[], int, float[]> torchForward = nchw is null ? model.Embed : nchw.ComputeFeatures;
            Func<float[], int, float[]> onnxForward = (pixels, count) => OnnxBatchOfOnes(onnx, pixels, count);

            // Same inputs through both: the features must agree, or the comparison means nothing.
            var firstBatch = Preprocess(model.Preprocessor, files.Take(batchSize).ToList());
            var torchFeatures = torchForward(firstBatch, batchSize);
            TensorPrimitives.Subtract(torchFeatures, onnxForward(firstBatch, batchSize), torchFeatures);
            var difference = TensorPrimitives.MaxMagnitude(torchFeatures);
            Console.WriteLine($"max |TorchSharp - ONNX Runtime| over {batchSize} images x 512 features: {difference:E2}");

            // Warm-up round (excluded), then rounds of all five measurements back to back, so each pair sees
            // the same machine load (these machines are shared); medians over the rounds.
            var batches = files.Chunk(batchSize).Select(chunk => (Pixels: Preprocess(model.Preprocessor, [.. chunk]), chunk.Length)).ToList();
            var torchEndToEnd = new List<double>();
            var onnxEndToEnd = new List<double>();
            var decodeOnly = new List<double>();
            var torchForwardOnly = new List<double>();
            var onnxForwardOnly = new List<double>();
            var torchCpuPerImage = new List<double>();
            var onnxCpuPerImage = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                var results = new[]
                {
                    await EndToEndAsync(model.Preprocessor, files, batchSize, torchForward),
                    await EndToEndAsync(model.Preprocessor, files, batchSize, onnxForward),
                    Rate(imageCount, () => batches.ForEach(batch => torchForward(batch.Pixels, batch.Length)), torchCpuPerImage, round >= 0),
                    Rate(imageCount, () => batches.ForEach(batch => onnxForward(batch.Pixels, batch.Length)), onnxCpuPerImage, round >= 0),
                    Rate(imageCount, () => Preprocess(model.Preprocessor, files)),
                };
                if (round >= 0)
                {
                    torchEndToEnd.Add(results[0]);
                    onnxEndToEnd.Add(results[1]);
                    torchForwardOnly.Add(results[2]);
                    onnxForwardOnly.Add(results[3]);
                    decodeOnly.Add(results[4]);
                }
            }

            Console.WriteLine($"| Embedding throughput ({imageCount} images, median of {rounds}) | TorchSharp (batch {batchSize}) | ONNX Runtime (batch 1 loop) | ratio |");
            Console.WriteLine("|---|---|---|---|");
            Row("end to end: decode task + forward", Median(torchEndToEnd), Median(onnxEndToEnd));
            Row("forward only, preprocessed inputs", Median(torchForwardOnly), Median(onnxForwardOnly));
            Console.WriteLine($"| decode + preprocess only, one thread | {Median(decodeOnly):F1} images/s | | |");
            // CPU time is less sensitive to other processes on a shared machine than wall time (but counts
            // any spin-waiting of a thread pool as work).
            Console.WriteLine($"| forward only, process CPU time per image | {Median(torchCpuPerImage):F0} ms | {Median(onnxCpuPerImage):F0} ms | {Median(onnxCpuPerImage) / Median(torchCpuPerImage):F2}x |");
            // Per-round ratios: each pair ran back to back, so these survive load changes between rounds.
            Console.WriteLine($"per-round ratios: end to end [{Join(Ratios(torchEndToEnd, onnxEndToEnd), "F2")}], forward only [{Join(Ratios(torchForwardOnly, onnxForwardOnly), "F2")}]");
            Console.WriteLine($"raw rounds (images/s): torch e2e [{Join(torchEndToEnd)}], onnx e2e [{Join(onnxEndToEnd)}], torch fwd [{Join(torchForwardOnly)}], onnx fwd [{Join(onnxForwardOnly)}], decode [{Join(decodeOnly)}]");
        }
        finally
        {
            work.Delete(recursive: true);
        }

        static void Row(string label, double torch, double onnx) =>
            Console.WriteLine($"| {label} | {torch:F1} images/s | {onnx:F1} images/s | {torch / onnx:F2}x |");
    }

    /// <summary>The generation job's shape: one task decodes batches into a channel of two while this one runs the model.</summary>
    private static async Task<double> EndToEndAsync(ImagePreprocessor preprocessor, List<string> files, int batchSize, Func<float[], int, float[]> forward)
    {
        var started = Stopwatch.GetTimestamp();
        var channel = Channel.CreateBounded<(float[] Pixels, int Count)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            foreach (var chunk in files.Chunk(batchSize))
            {
                await channel.Writer.WriteAsync((Preprocess(preprocessor, [.. chunk]), chunk.Length));
            }

            channel.Writer.Complete();
        });
        var embedded = 0;
        await foreach (var (pixels, count) in channel.Reader.ReadAllAsync())
        {
            embedded += forward(pixels, count).Length / ResNetFeatureExtractor.FeatureDimension;
        }

        await producer;
        if (embedded != files.Count)
        {
            throw new InvalidOperationException($"Embedded {embedded} of {files.Count} images.");
        }

        return files.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static float[] Preprocess(ImagePreprocessor preprocessor, List<string> files)
    {
        var pixels = new float[files.Count * ImagePreprocessor.ValuesPerImage];
        for (var index = 0; index < files.Count; index++)
        {
            if (!preprocessor.TryPreprocess(files[index], pixels.AsSpan(index * ImagePreprocessor.ValuesPerImage, ImagePreprocessor.ValuesPerImage)))
            {
                throw new InvalidOperationException($"{files[index]} did not decode.");
            }
        }

        return pixels;
    }

    /// <summary>ResNet18.onnx fixes the batch at 1: one run per image, reading straight from the batch buffer.</summary>
    private static float[] OnnxBatchOfOnes(InferenceSession session, float[] pixels, int count)
    {
        var features = new float[count * ResNetFeatureExtractor.FeatureDimension];
        using var runOptions = new RunOptions();
        for (var index = 0; index < count; index++)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance,
                pixels.AsMemory(index * ImagePreprocessor.ValuesPerImage, ImagePreprocessor.ValuesPerImage),
                [1, 3, ImagePreprocessor.Size, ImagePreprocessor.Size]);
            using var outputs = session.Run(runOptions, [OnnxInputName], [input], [OnnxOutputName]);
            outputs[0].GetTensorDataAsSpan<float>().CopyTo(features.AsSpan(index * ResNetFeatureExtractor.FeatureDimension));
        }

        return features;
    }

    private static void MeasureSimilarity(int rows, int dimension, int queries)
    {
        var matrix = RandomMatrix(rows, dimension);
        var random = new Random(7);
        var queryRows = Enumerable.Range(0, queries + 2).Select(_ => random.Next(rows)).ToArray();
        var index = new List<double>();
        var bare = new List<double>();
        for (var query = 0; query < queryRows.Length; query++)
        {
            // Alternate which goes first so neither always runs with the other's rows in cache.
            var queryRow = queryRows[query];
            SimilarSample[] found = [];
            int[] expected = [];
            double indexMs, bareMs;
            if (query % 2 == 0)
            {
                indexMs = Milliseconds(() => found = SimilarityIndex.TopSimilar(matrix, queryRow, TopK));
                bareMs = Milliseconds(() => expected = BareTopK(matrix.Vectors, dimension, queryRow, TopK));
            }
            else
            {
                bareMs = Milliseconds(() => expected = BareTopK(matrix.Vectors, dimension, queryRow, TopK));
                indexMs = Milliseconds(() => found = SimilarityIndex.TopSimilar(matrix, queryRow, TopK));
            }

            if (!found.Select(sample => matrix.RowBySample[sample.SampleId]).SequenceEqual(expected))
            {
                throw new InvalidOperationException($"Query {queryRow}: the index and the bare scan disagree.");
            }

            if (query >= 2)
            {
                // The first two queries are warm-up (JIT, page faults on the fresh matrix).
                index.Add(indexMs);
                bare.Add(bareMs);
            }
        }

        Console.WriteLine($"| {rows:N0} x {dimension}, top-{TopK}, {queries} queries | SimilarityIndex.TopSimilar | bare Dot scan + sorted top-k | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| p50 | {Percentile(index, 0.50):F1} ms | {Percentile(bare, 0.50):F1} ms | {Percentile(index, 0.50) / Percentile(bare, 0.50):F2}x |");
        Console.WriteLine($"| p95 | {Percentile(index, 0.95):F1} ms | {Percentile(bare, 0.95):F1} ms | {Percentile(index, 0.95) / Percentile(bare, 0.95):F2}x |");
    }

    /// <summary>Random rows normalised the way the index normalises vectors from DuckDB.</summary>
    private static SimilarityIndex.Matrix RandomMatrix(int rows, int dimension)
    {
        var started = Stopwatch.GetTimestamp();
        var vectors = GC.AllocateUninitializedArray<float>(checked(rows * dimension));
        var random = new Random(42);
        for (var value = 0; value < vectors.Length; value++)
        {
            vectors[value] = random.NextSingle() - 0.5f;
        }

        var sampleIds = Enumerable.Range(0, rows).Select(row => row.ToString("D8", CultureInfo.InvariantCulture)).ToArray();
        var matrix = SimilarityIndex.Matrix.Normalised(new ActiveVectors("random", sampleIds, new string?[rows], vectors, dimension), version: 1);
        Console.WriteLine($"built {rows:N0} x {dimension} matrix ({(long)rows * dimension * sizeof(float) / (1 << 20):N0} MB) in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        return matrix;
    }

    /// <summary>The floor: a dot per row and a sorted array of the best <paramref name="limit"/> (ties to the earlier row).</summary>
    private static int[] BareTopK(float[] vectors, int dimension, int queryRow, int limit)
    {
        var query = vectors.AsSpan(queryRow * dimension, dimension);
        var scores = new float[limit];
        var rows = new int[limit];
        scores.AsSpan().Fill(float.NegativeInfinity);
        var count = vectors.Length / dimension;
        for (var row = 0; row < count; row++)
        {
            if (row == queryRow)
            {
                continue;
            }

            var score = TensorPrimitives.Dot(query, vectors.AsSpan(row * dimension, dimension));
            if (score <= scores[limit - 1])
            {
                continue;
            }

            var slot = limit - 1;
            while (slot > 0 && scores[slot - 1] < score)
            {
                scores[slot] = scores[slot - 1];
                rows[slot] = rows[slot - 1];
                slot--;
            }

            scores[slot] = score;
            rows[slot] = row;
        }

        return rows;
    }

    private static string WritePhotoLikeJpeg(string path, int seed)
    {
        const int width = 640, height = 480;
        var random = new Random(seed);
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var gradient = SKShader.CreateLinearGradient(
                new SKPoint(0, 0), new SKPoint(width, height),
                [new SKColor((uint)random.Next()).WithAlpha(255), new SKColor((uint)random.Next()).WithAlpha(255)],
                SKShaderTileMode.Clamp);
            using (var background = new SKPaint { Shader = gradient })
            {
                canvas.DrawRect(0, 0, width, height, background);
            }

            using var paint = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 100; i++)
            {
                paint.Color = new SKColor((uint)random.Next()).WithAlpha((byte)random.Next(80, 255));
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(3, 60), paint);
            }

            // Texture, so the JPEG carries photo-like detail and decodes at a realistic cost.
            using var noise = SKShader.CreatePerlinNoiseFractalNoise(0.2f, 0.2f, 2, seed);
            using var texture = new SKPaint { Shader = noise, BlendMode = SKBlendMode.Overlay };
            canvas.DrawRect(0, 0, width, height, texture);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static double Rate(int images, Action work, List<double>? cpuMillisecondsPerImage = null, bool record = true)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        work();
        var rate = images / Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (record)
        {
            cpuMillisecondsPerImage?.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / images);
        }

        return rate;
    }

    private static double Milliseconds(Action work)
    {
        var started = Stopwatch.GetTimestamp();
        work();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Join(List<double> values, string format = "F1") =>
        string.Join(", ", values.Select(value => value.ToString(format, CultureInfo.InvariantCulture)));

    private static List<double> Ratios(List<double> numerators, List<double> denominators) =>
        [.. numerators.Zip(denominators, (numerator, denominator) => numerator / denominator)];

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
