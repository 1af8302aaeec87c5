using System.Globalization;
using DataVisor.Benchmarks;

// dotnet run -c Release --project DataVisor.Benchmarks -- browse [samples] [annotations-per-sample] [kept-database-path]
// dotnet run -c Release --project DataVisor.Benchmarks -- probe <kept-database-path> "<sql>"
switch (args)
{
    case ["browse", .. var rest]:
        BrowseBenchmark.Run(
            rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 1_000_000,
            rest.Length > 1 ? int.Parse(rest[1], CultureInfo.InvariantCulture) : 10,
            rest.Length > 2 ? rest[2] : null);
        return 0;
    case ["probe", var path, var sql]:
        BrowseBenchmark.Probe(path, sql.Replace("$dataset_id", $"'{BrowseBenchmark.DatasetId}'", StringComparison.Ordinal));
        return 0;
    default:
        Console.Error.WriteLine("usage: DataVisor.Benchmarks browse [samples=1000000] [annotations-per-sample=10] [kept-database-path] | probe <kept-database-path> <sql>");
        return 2;
}
