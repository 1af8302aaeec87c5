using DataVisor.Benchmarks;

// Each benchmark generates its own data and prints ratios against a baseline measured in the same run:
// these shared machines vary by up to 3x between runs, so absolute times alone mean little.
var benchmarks = new Dictionary<string, (Func<string[], Task<int>> Run, string Help)>(StringComparer.OrdinalIgnoreCase)
{
    ["ingest"] = (IngestBenchmark.RunAsync, "[--images N] [--annotations-per-image K] [--repeat R] [--baseline-api DLL] [--api-settings K=V,...]  [--floor-only 1]  COCO ingest (R2) vs reading the file with System.Text.Json, and the DuckDB Appender floor"),
    ["thumbnails"] = (ThumbnailBenchmark.RunAsync, "[--images N]   cold thumbnail generation and cache-hit latency of R14"),
    ["evaluation"] = (EvaluationBenchmark.RunAsync, "[--images N] [--repeat R]   R19/R21 on a val2017-sized evaluation, load vs compute"),
    ["browse"] = (BrowseBenchmark.RunAsync, "[samples=1000000] [annotations-per-sample=10] [kept-database-path]   /samples pages, facets and statistics"),
    ["embeddings"] = (EmbeddingBenchmark.RunAsync, "[--images N] [--rounds R] [--batch B] [--layout channels-last|nchw] [--torch-threads T] [--onnx-threads T] [--vectors 100000,1000000] [--queries Q] [--only throughput|similarity]   TorchSharp vs ONNX Runtime images/s; R28 scan vs a bare dot scan"),
    ["analysis"] = (AnalysisBenchmark.RunAsync, "[--images N] [--repeat R] [--vectors V]   R32's built-in analyst vs R19/R21 at val2017 size; the split-leakage scan"),
    ["pca"] = (PcaBenchmark.RunAsync, "[--sizes 2000,10000,50000] [--dimension 512] [--rounds 3] [--samples 100000]   PCA vs scikit-learn; R25 PCA stages and R27 at N samples"),
    ["autotag"] = (AutoTagBenchmark.RunAsync, "[--images N] | --calibrate [--seeds K]   built-in auto-tagger images/s vs a plain SkiaSharp decode; or its threshold calibration"),
    ["near-duplicates"] = (NearDuplicateBenchmark.RunAsync, "[--vectors 20000,100000] [--dimension 512] [--threshold 0.95] [--groups 500]   R29's scan over synthetic vectors with planted duplicates: wall time and peak RSS"),
    ["reductions"] = (ReductionsBenchmark.RunAsync, "[--sizes 2000,10000,50000] [--images N] [--methods tsne,pca] [--sklearn-tsne-max N] [--python /usr/bin/python3]   2-D reductions vs scikit-learn: time, trustworthiness, kNN agreement"),
    ["knn"] = (NeighbourGraphBenchmark.RunAsync, "[--sizes 10000,50000] [--k 14,90] [--rounds 2]   the reductions' exact cosine k-NN vs full-row blocks"),
    ["probe"] = (BrowseBenchmark.ProbeAsync, "<kept-database-path> <sql>   time one query against a kept browse database"),
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project DataVisor.Benchmarks -- <benchmark> [options]");
    foreach (var (name, (_, help)) in benchmarks)
    {
        Console.Error.WriteLine($"  {name} {help}");
    }

    return 2;
}

return await benchmark.Run(args[1..]);
