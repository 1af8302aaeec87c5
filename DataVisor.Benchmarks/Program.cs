using DataVisor.Benchmarks;

// Each subcommand lives in its own file; this only dispatches.
return args.FirstOrDefault() switch
{
    "thumbnails" => await ThumbnailBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project DataVisor.Benchmarks -- <benchmark> [options]");
    Console.Error.WriteLine("  thumbnails [--images N]   cold thumbnail generation and cache-hit latency of R14");
    return 2;
}
