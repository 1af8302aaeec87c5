using DataVisor.Benchmarks;

// Each benchmark generates its own data and prints ratios against a baseline measured in the same run:
// these shared machines vary by up to 3x between runs, so absolute times alone mean little.
var benchmarks = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["ingest"] = IngestBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project DataVisor.Benchmarks -- <{string.Join("|", benchmarks.Keys)}> [options]");
    return 2;
}

return await run(args[1..]);
