using System.Diagnostics;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.AppHost;

/// <summary>The deployment manifest the AppHost writes for azd, read back as JSON.</summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task ManifestBuildsTheApiFromDockerfileBackendAndRunsCaddyWithItsBindMount()
    {
        using var output = new TempDirectory();
        var manifestPath = Path.Combine(output.Path, "aspire-manifest.json");

        await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
        var resources = manifest.RootElement.GetProperty("resources");
        var api = resources.GetProperty("api");
        Assert.Equal("container.v1", api.GetProperty("type").GetString());
        var build = api.GetProperty("build");
        Assert.Equal(RepositoryPaths.Root, ResolveRelative(output.Path, build.GetProperty("context").GetString()!));
        Assert.Equal(RepositoryPaths.Combine("Dockerfile.backend"), ResolveRelative(output.Path, build.GetProperty("dockerfile").GetString()!));
        Assert.Equal("true", api.GetProperty("env").GetProperty("DATAVISOR_BEHIND_PROXY").GetString());
        Assert.Equal(8000, api.GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32());
        Assert.False(api.GetProperty("bindings").GetProperty("http").TryGetProperty("external", out _));
        var volume = Assert.Single(api.GetProperty("volumes").EnumerateArray());
        Assert.Equal("/app/data", volume.GetProperty("target").GetString());

        var proxy = resources.GetProperty("proxy");
        Assert.Equal("container.v0", proxy.GetProperty("type").GetString());
        Assert.StartsWith("caddy:2.", proxy.GetProperty("image").GetString());
        var mount = Assert.Single(proxy.GetProperty("bindMounts").EnumerateArray());
        Assert.Equal(RepositoryPaths.Combine("DataVisor.AppHost", "Caddyfile"), ResolveRelative(output.Path, mount.GetProperty("source").GetString()!));
        Assert.Equal("/etc/caddy/Caddyfile", mount.GetProperty("target").GetString());
        Assert.True(mount.GetProperty("readOnly").GetBoolean());
        var proxyEnv = proxy.GetProperty("env");
        Assert.Equal("{api.bindings.http.url}", proxyEnv.GetProperty("DATAVISOR_API_URL").GetString());
        Assert.Equal("{proxy-password.value}", proxyEnv.GetProperty("DATAVISOR_PROXY_PASSWORD").GetString());
        Assert.True(proxy.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        Assert.True(resources.GetProperty("proxy-password").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
    }

    private static string ResolveRelative(string manifestFolder, string path) =>
        Path.GetFullPath(path, manifestFolder).TrimEnd('/');

    /// <summary>Runs the built AppHost the way a user does with <c>dotnet run -- ...</c>.</summary>
    private static async Task RunAppHostAsync(params string[] args)
    {
        var testOutput = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        // The AppHost builds without a runtime identifier: drop the last folder of the test's output path.
        var relative = Path.GetDirectoryName(Path.GetRelativePath(RepositoryPaths.Combine("DataVisor.Tests"), testOutput))!;
        var appHost = Path.Combine(RepositoryPaths.Combine("DataVisor.AppHost"), relative, "DataVisor.AppHost.dll");
        var start = new ProcessStartInfo("dotnet", [appHost, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"AppHost exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
