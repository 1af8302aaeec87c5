using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Hosting;
using DataVisor.Api.Reductions;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataVisor.Benchmarks;

/// <summary>
/// docs/PERFORMANCE.md "PCA reduction and coordinates (issue 6)". Two parts:
/// <list type="number">
/// <item>The API's <see cref="PcaReducer"/> against scikit-learn's PCA (the system <c>/usr/bin/python3</c>
/// with Debian's python3-sklearn) on the same float32 vectors, in the same run: wall time of each, and the
/// largest coordinate difference once scikit-learn's per-component sign is aligned with ours.</item>
/// <item>The other stages of an R25 PCA job and R27 on a database of N samples with N vectors: loading the
/// active vectors, the reduction, the version-guarded coordinate write, and the R27 query with its JSON.</item>
/// </list>
/// </summary>
internal static class PcaBenchmark
{
    private const string Python = "/usr/bin/python3";
    private const string DatasetId = "00000000-0000-4000-8000-000000000006";

    // Times fit_transform on float64 input (float32 input would make scikit-learn compute in float32) with the
    // exact LAPACK solver and with its default, which picks a randomized SVD for inputs this size.
    private const string SklearnScript = """
        import sys, time
        import numpy as np
        from sklearn.decomposition import PCA
        path, n, d, rounds, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        x = np.fromfile(path, dtype=np.float32).reshape(n, d).astype(np.float64)
        def timed(solver):
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                y = PCA(n_components=2, svd_solver=solver, random_state=42).fit_transform(x)
                times.append(time.perf_counter() - started)
            return y, sorted(times)[len(times) // 2]
        exact, exact_seconds = timed("full")
        _, default_seconds = timed("auto")
        exact.astype(np.float64).tofile(out)
        print(exact_seconds, default_seconds)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var dimension = options.Int("dimension", 512);
        var rounds = options.Int("rounds", 3);
        Console.WriteLine($"{Environment.ProcessorCount} cores; {Python} with scikit-learn; {dimension}-d float32 vectors; medians of {rounds} rounds");
        var work = Directory.CreateTempSubdirectory("datavisor-bench-pca-");
        try
        {
            var script = Path.Combine(work.FullName, "sklearn_pca.py");
            await File.WriteAllTextAsync(script, SklearnScript);
            Console.WriteLine("| n | ours (s) | scikit-learn full (s) | ours / full | scikit-learn default (s) | max abs diff after sign alignment |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
            foreach (var size in (options.String("sizes") ?? "2000,10000,50000").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)))
            {
                await CompareWithSklearnAsync(work.FullName, script, size, dimension, rounds);
            }

            await MeasureJobStagesAsync(work.FullName, options.Int("samples", 100_000), dimension, rounds);
        }
        finally
        {
            work.Delete(recursive: true);
        }

        return 0;
    }

    private static async Task CompareWithSklearnAsync(string folder, string script, int count, int dimension, int rounds)
    {
        var vectors = LowRankVectors(count, dimension, seed: count);
        var input = Path.Combine(folder, $"x{count}.f32");
        var output = Path.Combine(folder, $"y{count}.f64");
        await File.WriteAllBytesAsync(input, System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.Values.AsSpan()).ToArray());
        var sklearnTimes = (await RunPythonAsync(script, input, count.ToString(CultureInfo.InvariantCulture),
            dimension.ToString(CultureInfo.InvariantCulture), rounds.ToString(CultureInfo.InvariantCulture), output))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(value => double.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        var reference = new double[2 * count];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(await File.ReadAllBytesAsync(output)).CopyTo(reference);

        var reducer = new PcaReducer();
        double[] layout = [];
        var ours = Measure.Median(Enumerable.Range(0, rounds).Select(_ =>
            Measure.Elapsed(() => layout = reducer.Reduce(vectors, CancellationToken.None)).TotalSeconds));
        var difference = 0.0;
        for (var component = 0; component < 2; component++)
        {
            // scikit-learn signs components by the left singular vectors, the contract by the loadings.
            double dot = 0;
            for (var row = 0; row < count; row++)
            {
                dot += layout[2 * row + component] * reference[2 * row + component];
            }

            var sign = dot < 0 ? -1 : 1;
            for (var row = 0; row < count; row++)
            {
                difference = Math.Max(difference, Math.Abs(layout[2 * row + component] - sign * reference[2 * row + component]));
            }
        }

        Console.WriteLine($"| {count:N0} | {ours:F3} | {sklearnTimes[0]:F3} | {ours / sklearnTimes[0]:F2}x | {sklearnTimes[1]:F3} | {difference:E1} |");
    }

    private static async Task MeasureJobStagesAsync(string folder, int samples, int dimension, int rounds)
    {
        using var database = new DuckDbDatabase(Path.Combine(folder, "pca.duckdb"), NullLogger<DuckDbDatabase>.Instance);
        var clock = Stopwatch.StartNew();
        Build(database, samples, dimension);
        Console.WriteLine();
        Console.WriteLine($"database of {samples:N0} samples, {3 * samples:N0} annotations (2 ground truth + 1 prediction each), {samples:N0} x {dimension}-d vectors built in {clock.Elapsed.TotalSeconds:F1} s");

        var gate = new RowUpdateGate();
        var embeddings = new EmbeddingStore(database, gate);
        var coordinates = new CoordinateStore(database, gate, embeddings);
        var reducer = new PcaReducer();
        var json = JsonSetup.Create();
        ActiveVectors? active = null;
        double[] layout = [];
        List<EmbeddingCoordinate> items = [];
        var body = 0L;
        var stages = new Dictionary<string, List<double>>
        {
            ["load active vectors (EmbeddingStore)"] = [],
            ["PCA"] = [],
            ["coordinate write (stage + UPDATE)"] = [],
            ["R27 query"] = [],
            ["R27 JSON serialisation"] = [],
        };
        for (var round = 0; round < rounds; round++)
        {
            stages["load active vectors (EmbeddingStore)"].Add(Measure.Elapsed(() => active = embeddings.LoadActiveVectors(DatasetId)).TotalMilliseconds);
            var vectors = new VectorSet(active!.Vectors, active.SampleIds.Length, active.Dimension);
            stages["PCA"].Add(Measure.Elapsed(() => layout = reducer.Reduce(vectors, CancellationToken.None)).TotalMilliseconds);
            stages["coordinate write (stage + UPDATE)"].Add((await Measure.ElapsedAsync(async () =>
            {
                var outcome = await coordinates.ReplaceAsync(DatasetId, active.ModelName, 0, active.SampleIds, layout, "pca", CancellationToken.None);
                if (outcome != CoordinateWrite.Saved)
                {
                    throw new InvalidOperationException($"coordinate write: {outcome}");
                }
            })).TotalMilliseconds);
            stages["R27 query"].Add(Measure.Elapsed(() => items = coordinates.Load(DatasetId)).TotalMilliseconds);
            stages["R27 JSON serialisation"].Add(Measure.Elapsed(() =>
            {
                using var sink = new CountingStream();
                JsonSerializer.Serialize(sink, items, json);
                body = sink.Length;
            }).TotalMilliseconds);
        }

        if (items.Count != samples)
        {
            throw new InvalidOperationException($"R27 returned {items.Count} items for {samples} samples");
        }

        Console.WriteLine($"| stage at {samples:N0} | median ms |");
        Console.WriteLine("|---|---:|");
        foreach (var (stage, times) in stages)
        {
            Console.WriteLine($"| {stage} | {Measure.Median(times):F0} |");
        }

        Console.WriteLine($"R27 body: {body / 1e6:F1} MB for {items.Count:N0} items");
    }

    /// <summary>
    /// Vectors with a clear spectrum, like real embeddings: 16 latent factors with decreasing scales mixed into
    /// <paramref name="dimension"/> axes, plus isotropic noise; the top two eigenvalues are well apart.
    /// </summary>
    private static VectorSet LowRankVectors(int count, int dimension, int seed)
    {
        const int factors = 16;
        var random = new Random(seed);
        var mixing = new double[factors * dimension];
        for (var index = 0; index < mixing.Length; index++)
        {
            mixing[index] = Gaussian(random) / Math.Sqrt(dimension);
        }

        var values = new float[count * dimension];
        var latent = new double[factors];
        for (var row = 0; row < count; row++)
        {
            for (var factor = 0; factor < factors; factor++)
            {
                latent[factor] = Gaussian(random) * 8.0 / (factor + 1);
            }

            for (var axis = 0; axis < dimension; axis++)
            {
                var value = 0.1 * Gaussian(random) + 0.5;
                for (var factor = 0; factor < factors; factor++)
                {
                    value += latent[factor] * mixing[factor * dimension + axis];
                }

                values[row * dimension + axis] = (float)value;
            }
        }

        return new VectorSet(values, count, dimension);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    private static void Build(DuckDbDatabase database, int samples, int dimension)
    {
        using var connection = database.OpenConnection();
        DatabaseSchema.EnsureCreated(connection);
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO datasets VALUES ($dataset, 'bench', 'coco', 'detection', '/x', '/x', now(), {samples}, {2 * samples}, {samples}, 20);
            INSERT INTO samples (dataset_id, id, file_name, image_dir, width, height, split, tags, source_image_id, position)
                SELECT $dataset, (i + 1)::VARCHAR, printf('%012d.jpg', i + 1), '/x', 640, 480, 'train', [], (i + 1)::VARCHAR, i FROM range({samples}) t(i);
            INSERT INTO annotations (id, dataset_id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, source, confidence, seq)
                SELECT 'a' || i, $dataset, (i // 3 + 1)::VARCHAR, 'class_' || (hash(i) % 20), 1, 2, 3, 4, 12, false,
                       CASE WHEN i % 3 = 2 THEN 'run_a' ELSE 'ground_truth' END, CASE WHEN i % 3 = 2 THEN 0.5 END, i
                FROM range({3 * samples}) t(i);
            INSERT INTO embeddings (dataset_id, sample_id, model_name, vector)
                SELECT $dataset, (i + 1)::VARCHAR, 'bench-model', list_transform(range({dimension}), j -> (hash(i * {dimension} + j) % 1000 / 1000.0)::FLOAT)
                FROM range({samples}) t(i);
            INSERT INTO embedding_active_models VALUES ($dataset, 'bench-model', now());
            CHECKPOINT;
            """;
        command.Parameters.Add(new DuckDBParameter("dataset", DatasetId));
        command.ExecuteNonQuery();
    }

    private static async Task<string> RunPythonAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scikit-learn failed ({process.ExitCode}): {await error}");
        }

        return (await output).Trim();
    }

    /// <summary>Counts the bytes of a serialised response without keeping them.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;
    }
}
