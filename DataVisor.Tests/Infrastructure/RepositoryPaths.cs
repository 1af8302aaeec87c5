namespace DataVisor.Tests.Infrastructure;

/// <summary>Locates the repository from the test assembly's folder (the folder holding DataVisor.sln).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataVisor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"DataVisor.sln not found above {AppContext.BaseDirectory}");
    }
}
