using System.Xml.Linq;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.Packaging;

/// <summary>
/// Dockerfile.backend and .dockerignore read as text and checked against the solution, since no container
/// engine runs here: what the build stage copies exists and is not ignored, what it publishes is the API,
/// and the runtime stage runs it as the contract and the AppHost expect.
/// </summary>
public sealed class DockerfileTests
{
    private const string SdkImage = "mcr.microsoft.com/dotnet/sdk:10.0";
    private const string RuntimeImage = "mcr.microsoft.com/dotnet/aspnet:10.0";

    /// <summary>Where the AppHost mounts the data volume (ApiResourceExtensions.ContainerDataPath).</summary>
    private const string DataPath = "/app/data";

    private readonly Dockerfile _dockerfile = Dockerfile.Load(RepositoryPaths.Combine("Dockerfile.backend"));
    private readonly DockerIgnore _ignore = DockerIgnore.Load(RepositoryPaths.Combine(".dockerignore"));

    private DockerStage Build => _dockerfile.Stages[0];

    private DockerStage Runtime => _dockerfile.Stages[^1];

    [Fact]
    public void BuildsWithTheSdkAndRunsOnTheAspNetRuntime()
    {
        Assert.True(_dockerfile.Stages.Count >= 2, $"expected a multi-stage build, found {_dockerfile.Stages.Count} FROM");
        Assert.Equal(SdkImage, Build.Image);
        Assert.Equal(RuntimeImage, Runtime.Image);

        // The runtime stage takes only the publish output from the build stage.
        var copy = Assert.Single(Runtime.All("COPY"));
        Assert.Equal(Build.Name, copy.Flags["from"]);
        Assert.Equal("/app/publish", copy.Operands[0]);
    }

    [Fact]
    public void EveryBuildStageCopySourceExistsInTheRepository()
    {
        var sources = CopySources(Build).ToArray();
        Assert.NotEmpty(sources);
        foreach (var (copy, source) in sources)
        {
            Assert.True(ExistsInRepository(source), $"{copy}: '{source}' does not exist under {RepositoryPaths.Root}");
        }
    }

    [Fact]
    public void PublishesTheApiProjectOfTheSolutionForLinuxX64()
    {
        var publish = DotnetCommand(Build, "publish");
        var project = Assert.Single(publish.Arguments, a => a.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(PublishedApi.ProjectPath, project);
        Assert.True(File.Exists(RepositoryPaths.Combine(project)), $"{publish.Instruction}: {project} does not exist");

        var solution = File.ReadAllText(RepositoryPaths.Combine("DataVisor.sln"));
        Assert.Contains($"\"{project.Replace('/', '\\')}\"", solution, StringComparison.Ordinal);

        Assert.Equal(PublishedApi.RuntimeIdentifier, publish.Option("-r", "--runtime"));
        Assert.Equal("Release", publish.Option("-c", "--configuration"));
        Assert.Equal("false", publish.Option("--self-contained"));

        // --no-restore relies on the restore step having restored the same project for the same runtime.
        var restore = DotnetCommand(Build, "restore");
        Assert.Contains(project, restore.Arguments);
        Assert.Equal(PublishedApi.RuntimeIdentifier, restore.Option("-r", "--runtime"));
        Assert.Contains("--no-restore", publish.Arguments);

        var outputFolder = publish.Option("-o", "--output");
        Assert.Equal(outputFolder, Assert.Single(Runtime.All("COPY")).Operands[0]);
    }

    [Fact]
    public void EntrypointRunsThePublishedAssembly()
    {
        var project = Assert.Single(DotnetCommand(Build, "publish").Arguments, a => a.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase));
        var entrypoint = Assert.Single(Runtime.All("ENTRYPOINT"));
        Assert.StartsWith("[", entrypoint.Arguments, StringComparison.Ordinal);  // exec form: dotnet is PID 1 and receives SIGTERM
        Assert.Equal(["dotnet", $"{AssemblyName(project)}.dll"], entrypoint.Words);
    }

    /// <summary>Every project the API references (transitively) is copied before restore and before publish.</summary>
    [Fact]
    public void CopiesEveryReferencedProjectBeforeRestoring()
    {
        var restoreAt = IndexOf(DotnetCommand(Build, "restore").Instruction);
        var publishAt = IndexOf(DotnetCommand(Build, "publish").Instruction);

        foreach (var project in ProjectClosure(PublishedApi.ProjectPath))
        {
            Assert.True(IsCopiedBefore(restoreAt, project), $"{project} is not copied before 'dotnet restore'");
            foreach (var file in SourceFiles(Path.GetDirectoryName(RepositoryPaths.Combine(project))!))
            {
                var relative = Path.GetRelativePath(RepositoryPaths.Root, file).Replace('\\', '/');
                Assert.True(IsCopiedBefore(publishAt, relative), $"{relative} ({project}) is not copied before 'dotnet publish'");
            }
        }

        // The files restore and the build read from the repository root, when they exist.
        string[] rootInputs = ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "nuget.config", "NuGet.Config"];
        foreach (var file in rootInputs.Where(f => File.Exists(RepositoryPaths.Combine(f))))
        {
            Assert.True(IsCopiedBefore(restoreAt, file), $"{file} is not copied before 'dotnet restore'");
        }
    }

    [Fact]
    public void RuntimeStageRunsAsTheContractAndTheAppHostExpect()
    {
        var environment = Runtime.Environment;
        Assert.Equal("8000", environment.GetValueOrDefault("DATAVISOR_PORT"));
        Assert.Equal("0.0.0.0", environment.GetValueOrDefault("DATAVISOR_HOST"));

        // The aspnet image sets ASPNETCORE_HTTP_PORTS=8080, which would take precedence over DATAVISOR_PORT.
        Assert.True(environment.TryGetValue("ASPNETCORE_HTTP_PORTS", out var httpPorts) && httpPorts.Length == 0,
            "ASPNETCORE_HTTP_PORTS must be set to empty in the runtime stage");
        Assert.False(environment.ContainsKey("ASPNETCORE_URLS"), "ASPNETCORE_URLS would override DATAVISOR_HOST/PORT");

        Assert.Contains("8000", Assert.Single(Runtime.All("EXPOSE")).Words);

        var healthcheck = Assert.Single(Runtime.All("HEALTHCHECK"));
        Assert.Contains("CMD", healthcheck.Words);
        Assert.Contains("http://localhost:8000/health", healthcheck.Arguments, StringComparison.Ordinal);
        Assert.True(Runtime.All("RUN").Any(r => r.Arguments.Contains("install", StringComparison.Ordinal) && r.Words.Contains("curl")),
            "the HEALTHCHECK uses curl, which the aspnet image does not have");

        var user = Assert.Single(Runtime.All("USER")).Arguments;
        Assert.DoesNotContain(user.Split(':')[0], new[] { "root", "0" });

        Assert.Contains(DataPath, Assert.Single(Runtime.All("VOLUME")).Words);
        Assert.Equal("SIGTERM", Assert.Single(Runtime.All("STOPSIGNAL")).Arguments);
        Assert.Equal("/app", Runtime.All("WORKDIR").Last().Arguments);
    }

    [Fact]
    public void RuntimeStageDoesNotChooseTheProxyMode()
    {
        var text = File.ReadAllText(RepositoryPaths.Combine("Dockerfile.backend"));
        Assert.DoesNotContain("DATAVISOR_BEHIND_PROXY", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerIgnoreKeepsBuildOutputTestsAndHistoryOutOfTheContext()
    {
        string[] excluded =
        [
            "DataVisor.Api/bin/Release/net10.0/linux-x64/libtorch_cpu.so",
            "DataVisor.Api/obj/project.assets.json",
            "DataVisor.ServiceDefaults/bin/Debug/net10.0/DataVisor.ServiceDefaults.dll",
            "bin/x.dll",
            "DataVisor.Tests/DataVisor.Tests.csproj",
            "DataVisor.Benchmarks/Program.cs",
            "DataVisor.AppHost/Program.cs",
            ".git/HEAD",
            ".gitignore",
            "data/datavisor.duckdb",
            "DataVisor.Api/data/datavisor.duckdb.wal",
            "DataVisor.Api/TestResults/run.trx",
            "docs/PERFORMANCE.md",
            ".ci/run",
            ".vs/config",
            ".idea/workspace.xml",
        ];
        foreach (var path in excluded)
        {
            Assert.True(_ignore.IsExcluded(path), $"{path} is sent to the Docker build context ({string.Join(", ", _ignore.Patterns)})");
        }
    }

    /// <summary>
    /// Each COPY source, and the sources under copied folders (everything except bin/ and obj/, which the
    /// ignore file drops on purpose), must reach the context.
    /// </summary>
    [Fact]
    public void DockerIgnoreKeepsEverythingTheBuildStageCopies()
    {
        foreach (var (copy, source) in CopySources(Build))
        {
            Assert.False(_ignore.IsExcluded(source), $"{copy}: '{source}' is excluded by '{_ignore.ExcludingPattern(source)}' in .dockerignore");

            var folder = RepositoryPaths.Combine(source);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var file in SourceFiles(folder))
            {
                var relative = Path.GetRelativePath(RepositoryPaths.Root, file).Replace('\\', '/');
                Assert.False(_ignore.IsExcluded(relative), $"{copy}: '{relative}' is excluded by '{_ignore.ExcludingPattern(relative)}' in .dockerignore");
            }
        }
    }

    [Theory]
    [InlineData("**/bin", "bin", true)]
    [InlineData("**/bin", "a/b/bin/c.dll", true)]
    [InlineData("**/bin", "binary/c.dll", false)]
    [InlineData("**/*.duckdb*", "x/datavisor.duckdb.wal", true)]
    [InlineData("data", "DataVisor.Api/data/x", false)]
    [InlineData("**/data", "DataVisor.Api/Datasets/Dataset.cs", false)]
    [InlineData("DataVisor.Tests", "DataVisor.Tests/Packaging/DockerfileTests.cs", true)]
    [InlineData("*.md", "docs/a.md", false)]
    public void IgnoreRulesFollowDockerMatching(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse(pattern).IsExcluded(path));

    [Fact]
    public void IgnoreExceptionsReinclude() =>
        Assert.False(DockerIgnore.Parse("docs\n!docs/keep.md").IsExcluded("docs/keep.md"));

    private sealed record DotnetInvocation(DockerInstruction Instruction, IReadOnlyList<string> Arguments)
    {
        public string? Option(params string[] names)
        {
            for (var i = 0; i < Arguments.Count; i++)
            {
                foreach (var name in names)
                {
                    if (Arguments[i] == name && i + 1 < Arguments.Count)
                    {
                        return Arguments[i + 1];
                    }

                    if (Arguments[i].StartsWith(name + ":", StringComparison.Ordinal) || Arguments[i].StartsWith(name + "=", StringComparison.Ordinal))
                    {
                        return Arguments[i][(name.Length + 1)..];
                    }
                }
            }

            return null;
        }
    }

    /// <summary>The single <c>dotnet &lt;verb&gt;</c> of a stage's RUN instructions, up to the next <c>&amp;&amp;</c>.</summary>
    private static DotnetInvocation DotnetCommand(DockerStage stage, string verb)
    {
        var matches = stage.All("RUN")
            .SelectMany(run => Commands(run.Words).Select(words => (run, words)))
            .Where(c => c.words.Count >= 2 && c.words[0] == "dotnet" && c.words[1] == verb)
            .ToArray();
        Assert.True(matches.Length == 1, $"expected one 'dotnet {verb}' in the build stage, found {matches.Length}");
        return new DotnetInvocation(matches[0].run, matches[0].words.Skip(2).ToArray());
    }

    private static IEnumerable<IReadOnlyList<string>> Commands(IReadOnlyList<string> words)
    {
        var current = new List<string>();
        foreach (var word in words)
        {
            if (word is "&&" or "||" or ";")
            {
                yield return current;
                current = [];
            }
            else
            {
                current.Add(word);
            }
        }

        yield return current;
    }

    /// <summary>COPY sources of a stage that come from the build context (not <c>--from</c> another stage).</summary>
    private static IEnumerable<(DockerInstruction Copy, string Source)> CopySources(DockerStage stage) =>
        stage.Instructions
            .Where(i => i.Keyword is "COPY" or "ADD" && !i.Flags.ContainsKey("from"))
            .SelectMany(i => i.Operands.SkipLast(1).Select(source => (i, ContextGlob.Normalize(source))));

    private bool IsCopiedBefore(int instructionIndex, string repositoryPath) =>
        _dockerfile.Instructions.Take(instructionIndex)
            .Where(i => i.Keyword is "COPY" or "ADD" && !i.Flags.ContainsKey("from"))
            .SelectMany(i => i.Operands.SkipLast(1))
            .Select(ContextGlob.Normalize)
            .Any(source => source == "." || new ContextGlob(source).IsMatch(repositoryPath) || repositoryPath.StartsWith(source + "/", StringComparison.Ordinal));

    private int IndexOf(DockerInstruction instruction) => _dockerfile.Instructions.ToList().IndexOf(instruction);

    private static bool ExistsInRepository(string source)
    {
        if (File.Exists(RepositoryPaths.Combine(source)) || Directory.Exists(RepositoryPaths.Combine(source)))
        {
            return true;
        }

        // A wildcard source must match at least one file.
        var glob = new ContextGlob(source);
        return source.IndexOfAny(['*', '?', '[']) >= 0
            && Directory.EnumerateFiles(RepositoryPaths.Root, "*", SearchOption.AllDirectories)
                .Any(f => glob.IsMatch(Path.GetRelativePath(RepositoryPaths.Root, f)));
    }

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    private static IReadOnlyList<string> ProjectClosure(string project)
    {
        var seen = new List<string>();
        var pending = new Queue<string>([project]);
        while (pending.TryDequeue(out var next))
        {
            if (seen.Contains(next))
            {
                continue;
            }

            seen.Add(next);
            var folder = Path.GetDirectoryName(RepositoryPaths.Combine(next))!;
            foreach (var reference in XDocument.Load(RepositoryPaths.Combine(next)).Descendants("ProjectReference"))
            {
                var path = Path.GetFullPath(Path.Combine(folder, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Enqueue(Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/'));
            }
        }

        return seen;
    }

    private static string AssemblyName(string project) =>
        XDocument.Load(RepositoryPaths.Combine(project)).Descendants("AssemblyName").LastOrDefault()?.Value
        ?? Path.GetFileNameWithoutExtension(project);

    /// <summary>Files a build reads from a project folder; bin/ and obj/ hold output, not sources.</summary>
    private static IEnumerable<string> SourceFiles(string folder)
    {
        string[] patterns = ["*.cs", "*.csproj", "*.props", "*.targets", "appsettings*.json"];
        return patterns
            .SelectMany(p => Directory.EnumerateFiles(folder, p, SearchOption.AllDirectories))
            .Where(f => !Path.GetRelativePath(folder, f).Replace('\\', '/').Split('/').Any(part => part is "bin" or "obj"));
    }
}
