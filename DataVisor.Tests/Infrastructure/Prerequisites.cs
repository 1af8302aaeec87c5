namespace DataVisor.Tests.Infrastructure;

/// <summary>
/// External binaries some tests need. On a developer machine a missing one skips the test with the
/// reason; under CI (<c>CI=true</c>) a missing prerequisite fails the run instead, so CI can never pass by
/// skipping.
/// </summary>
public static class Prerequisites
{
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Returns the binary's path, or skips (fails under CI) when it is not installed. Use it in
    /// <c>[SkippableFact]</c> tests.</summary>
    public static string RequireExecutable(string name, string installHint)
    {
        var path = FindExecutable(name);
        if (path is not null)
        {
            return path;
        }

        var reason = $"'{name}' is not on PATH ({installHint}).";
        Assert.False(IsCi, $"CI requires this prerequisite: {reason}");
        throw new SkipException(reason);
    }
}
