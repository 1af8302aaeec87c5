using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.Packaging;

/// <summary>One file of the publish output, by its path relative to the publish folder.</summary>
public sealed record PayloadFile(string RelativePath, long Bytes)
{
    public string Name => Path.GetFileName(RelativePath);
}

/// <summary>
/// A real <c>dotnet publish</c> of the API for linux-x64 into a temp folder: the payload Dockerfile.backend
/// copies into the image. It runs once per test class (about a minute and ~600 MB) and is deleted afterwards.
/// The inventory is taken right after publishing, before any test starts the API inside the folder.
/// </summary>
/// <remarks>
/// The publish builds the API in Release (DataVisor.Api/obj/Release, bin/Release), so it does not collide
/// with the Debug build the test run itself uses.
/// </remarks>
public sealed class PublishedApi : IAsyncLifetime
{
    public const string ProjectPath = "DataVisor.Api/DataVisor.Api.csproj";

    public const string RuntimeIdentifier = "linux-x64";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(20);

    private readonly TempDirectory _folder = new("datavisor-publish");

    public string Directory => _folder.Path;

    public IReadOnlyList<PayloadFile> Files { get; private set; } = [];

    public long TotalBytes => Files.Sum(f => f.Bytes);

    public TimeSpan PublishDuration => Outcome?.Elapsed ?? TimeSpan.Zero;

    internal ProcessOutcome? Outcome { get; private set; }

    public async Task InitializeAsync()
    {
        // --disable-build-servers: no MSBuild node or compiler server outlives the command holding its
        // output pipes open, which would keep the wait below from ever seeing the end of the output.
        var publish = ProcessRunner.Dotnet(
            RepositoryPaths.Root,
            "publish", ProjectPath, "-c", "Release", "-r", RuntimeIdentifier, "--self-contained", "false",
            "-o", Directory, "--disable-build-servers");
        Outcome = await ProcessRunner.RunAsync(publish, PublishTimeout);

        if (Outcome.Succeeded)
        {
            Files = new DirectoryInfo(Directory)
                .EnumerateFiles("*", SearchOption.AllDirectories)
                .Select(f => new PayloadFile(Path.GetRelativePath(Directory, f.FullName).Replace('\\', '/'), f.Length))
                .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
                .ToArray();
        }
    }

    /// <summary>Fails the calling test with the publish command's full output unless it succeeded.</summary>
    public void AssertPublished()
    {
        Assert.NotNull(Outcome);
        Assert.True(Outcome.Succeeded, $"dotnet publish failed:\n{Outcome.Describe()}");
        Assert.NotEmpty(Files);
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
