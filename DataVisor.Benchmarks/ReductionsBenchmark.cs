using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DataVisor.Api.Reductions;

namespace DataVisor.Benchmarks;

/// <summary>
/// docs/PERFORMANCE.md "2-D reductions against scikit-learn (issue 6)". Every reducer of the API (found by
/// reflection over <see cref="IDimensionReducer"/>, so PCA, t-SNE and UMAP all appear once they exist) runs
/// in-process on the same vectors as scikit-learn 1.2's TSNE (Barnes–Hut, cosine, PCA init) and PCA, run by
/// <c>reductions_reference.py</c> in the same process tree right after. Every layout gets the same scores:
/// trustworthiness at k = 10 (cosine) over all points (<see cref="ExactTrustworthiness"/>, checked against
/// scikit-learn's own function up to 10K points) and the 10-NN class agreement in 2-D (the script).
/// </summary>
internal static class ReductionsBenchmark
{
    private const string ScriptName = "reductions_reference.py";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var python = options.String("python") ?? "/usr/bin/python3";
        var sizes = (options.String("sizes") ?? "2000,10000,50000").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(size => int.Parse(size, CultureInfo.InvariantCulture)).ToList();
        var images = options.Int("images", 2000);
        var dimension = options.Int("dimension", 512);
        var methods = options.String("methods")?.Split(',');
        var sklearnTsneMax = options.Int("sklearn-tsne-max", int.MaxValue);
        var script = FindScript();

        var sklearnVersion = await RunAsync(python, ["-c", "import sklearn; print(sklearn.__version__)"]);
        if (sklearnVersion.ExitCode != 0)
        {
            Console.Error.WriteLine($"scikit-learn is not importable by {python}: install the reference with `apt-get install -y python3-sklearn` (Debian's 1.2.1).");
            Console.Error.WriteLine(sklearnVersion.Error);
            return 3;
        }

        var reducers = DiscoverReducers().Where(reducer => methods is null || methods.Contains(reducer.Method)).ToList();
        Console.WriteLine($"{Environment.ProcessorCount} cores; scikit-learn {sklearnVersion.Output.Trim()}; ours: {string.Join(", ", reducers.Select(r => r.Method))}");
        foreach (var reducer in reducers)
        {
            // Loads libtorch and JITs the hot loops, which a running service has long done.
            reducer.Reduce(ReductionsData.GaussianClusters(200, 16, 4, seed: 1).Vectors, CancellationToken.None);
        }

        var datasets = new List<(string Name, Func<(VectorSet, int[])> Make)>();
        datasets.AddRange(sizes.Select(size => ($"clusters-{dimension}d", (Func<(VectorSet, int[])>)(() => ReductionsData.GaussianClusters(size, dimension, 10, seed: 42)))));
        if (images > 0)
        {
            datasets.Add(("resnet18-drawn-images", () => ReductionsData.DrawnImageEmbeddings(images, seed: 42)));
        }

        var rows = new List<string>();
        foreach (var (name, make) in datasets)
        {
            var (vectors, labels) = make();
            Console.WriteLine($"{name}: {vectors.Count} x {vectors.Dimension}");
            var folder = Directory.CreateTempSubdirectory("datavisor-bench-reductions-");
            try
            {
                ReductionsData.WriteNpy(Path.Combine(folder.FullName, "vectors.npy"), vectors.Values, vectors.Count, vectors.Dimension);
                ReductionsData.WriteNpy(Path.Combine(folder.FullName, "labels.npy"), labels, labels.Length);
                var ourSeconds = new Dictionary<string, (double Wall, double Cpu)>();
                var layouts = new Dictionary<string, double[]>();
                foreach (var reducer in reducers)
                {
                    double[] layout = [];
                    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    var wall = Measure.Elapsed(() => layout = reducer.Reduce(vectors, CancellationToken.None)).TotalSeconds;
                    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                    ourSeconds[reducer.Method] = (wall, cpu);
                    Console.WriteLine($"  ours {reducer.Method}: {wall:F2} s wall, {cpu:F2} s CPU; load average {LoadAverage()}");
                    ReductionsData.WriteNpy(Path.Combine(folder.FullName, $"ours_{reducer.Method}.npy"), layout, vectors.Count, 2);
                    layouts[$"ours_{reducer.Method}"] = layout;
                }

                var reference = await RunAsync(python, vectors.Count > sklearnTsneMax ? [script, folder.FullName, "--skip-tsne"] : [script, folder.FullName]);
                if (reference.ExitCode != 0)
                {
                    Console.Error.WriteLine($"{ScriptName} failed:\n{reference.Error}");
                    return 1;
                }

                var referenceJson = JsonDocument.Parse(reference.Output).RootElement;
                foreach (var layout in referenceJson.GetProperty("layouts").EnumerateObject())
                {
                    layouts[layout.Name] = [.. layout.Value.EnumerateArray().Select(value => value.GetDouble())];
                }

                var trust = layouts.ToDictionary(layout => layout.Key, layout => ExactTrustworthiness.Score(vectors, layout.Value));
                foreach (var (layoutName, score) in trust)
                {
                    var check = referenceJson.GetProperty("scores").GetProperty(layoutName).TryGetProperty("trustworthiness", out var sklearnScore)
                        ? string.Create(CultureInfo.InvariantCulture, $"; scikit-learn's trustworthiness() {sklearnScore.GetDouble():F6}, difference {score - sklearnScore.GetDouble():E1}")
                        : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {layoutName}: exact trustworthiness {score:F6}{check}"));
                }

                var added = Rows(name, vectors.Count, ourSeconds, referenceJson, trust).ToList();
                added.ForEach(Console.WriteLine);
                rows.AddRange(added);
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average at end: {LoadAverage()}");
        Console.WriteLine("| data | n | method | wall s ours / sklearn | ratio | CPU s ours / sklearn | ratio | trust. ours | trust. sklearn | 10-NN agr. ours | sklearn | PCA max abs diff |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static IEnumerable<string> Rows(
        string name, int count, Dictionary<string, (double Wall, double Cpu)> ourSeconds, JsonElement reference, Dictionary<string, double> trust)
    {
        var label = $"{count:N0}";
        var scores = reference.GetProperty("scores");
        foreach (var (method, seconds) in ourSeconds)
        {
            var ours = scores.GetProperty($"ours_{method}");
            // UMAP has no scikit-learn counterpart: it is set against scikit-learn's t-SNE.
            var baseline = method == "pca" ? "sklearn_pca" : "sklearn_tsne";
            var ran = scores.TryGetProperty(baseline, out var theirs);
            var theirWall = ran ? reference.GetProperty("seconds").GetProperty(baseline).GetDouble() : 0.0;
            var theirCpu = ran ? reference.GetProperty("cpu_seconds").GetProperty(baseline).GetDouble() : 0.0;
            var wall = ran ? Compare(seconds.Wall, theirWall) : $"{seconds.Wall:F2} / not run | ";
            var cpu = ran ? Compare(seconds.Cpu, theirCpu) : $"{seconds.Cpu:F2} / not run | ";
            var difference = method == "pca" && reference.GetProperty("pca_max_abs_difference").ValueKind == JsonValueKind.Number
                ? reference.GetProperty("pca_max_abs_difference").GetDouble().ToString("E1", CultureInfo.InvariantCulture)
                : "";
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {label} | {method} (vs {baseline.Replace("sklearn_", "")}) | {wall} | {cpu} "
                + $"| {trust[$"ours_{method}"]:F4} | {(ran ? trust[baseline].ToString("F4", CultureInfo.InvariantCulture) : "not run")} | {Score(ours, "knn_agreement")} "
                + $"| {(ran ? Score(theirs, "knn_agreement") : "not run")} | {difference} |");
        }
    }

    private static string Compare(double ours, double theirs) =>
        string.Create(CultureInfo.InvariantCulture, $"{ours:F2} / {theirs:F2} | {ours / theirs:F2}");

    private static string Score(JsonElement scores, string name) =>
        scores.GetProperty(name).GetDouble().ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Every concrete reducer of the API assembly that can be built without arguments.</summary>
    private static IEnumerable<IDimensionReducer> DiscoverReducers() =>
        typeof(IDimensionReducer).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IDimensionReducer).IsAssignableFrom(type))
            .Where(type => type.GetConstructor(Type.EmptyTypes) is not null)
            .Select(type => (IDimensionReducer)Activator.CreateInstance(type)!)
            .OrderBy(reducer => reducer.Method, StringComparer.Ordinal);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    // The script sits beside this source file; a copy beside the binary also works.
    private static string FindScript([CallerFilePath] string sourceFile = "")
    {
        var besideSource = Path.Combine(Path.GetDirectoryName(sourceFile) ?? ".", ScriptName);
        return File.Exists(besideSource) ? besideSource : Path.Combine(AppContext.BaseDirectory, ScriptName);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output, await error);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return (-1, "", exception.Message);
        }
    }
}
