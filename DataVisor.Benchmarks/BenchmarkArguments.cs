using System.Globalization;

namespace DataVisor.Benchmarks;

/// <summary><c>--name value</c> options with defaults.</summary>
public sealed class BenchmarkArguments(string[] args)
{
    public int Int(string name, int fallback)
    {
        var index = Array.IndexOf(args, $"--{name}");
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public string? String(string name)
    {
        var index = Array.IndexOf(args, $"--{name}");
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
