using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using DataVisor.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DataVisor.Tests.Packaging;

/// <summary>
/// The linux-x64 publish output, which is what the image contains: the CPU natives the API needs are there,
/// nothing for other platforms or GPUs is, and the payload starts and stops the way the image runs it.
/// </summary>
public sealed partial class PublishPayloadTests(PublishedApi published, ITestOutputHelper output) : IClassFixture<PublishedApi>
{
    private const ushort ElfMachineX86_64 = 0x3E;

    /// <summary>What <c>docker stop -t 30</c> allows before SIGKILL; the Dockerfile asks for at least this.</summary>
    private static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(30);

    [Fact]
    public void PayloadHoldsTheApiAndItsLinuxX64CpuNatives()
    {
        published.AssertPublished();

        string[] required = ["DataVisor.Api.dll", "libtorch_cpu.so", "libLibTorchSharp.so", "libduckdb.so", "libSkiaSharp.so"];
        foreach (var name in required)
        {
            Assert.True(published.Files.Any(f => f.Name == name), $"{name} is missing from the publish output:\n{Listing()}");
        }

        // The embedding model's files ship; the package they come from contributes no assembly (no ML.NET, no ONNX Runtime).
        Assert.Contains(published.Files, f => f.RelativePath == "models/ResNet18.onnx");
        Assert.Contains(published.Files, f => f.RelativePath == "models/ResNetPreprocess.onnx");
        Assert.DoesNotContain(published.Files, f => f.Name.StartsWith("Microsoft.ML", StringComparison.OrdinalIgnoreCase));

        var libtorch = published.Files.First(f => f.Name == "libtorch_cpu.so");
        output.WriteLine($"publish: {published.TotalBytes} bytes ({published.TotalBytes / 1e6:F1} MB) in {published.Files.Count} files, {published.PublishDuration.TotalSeconds:F0} s");
        output.WriteLine($"libtorch_cpu.so: {libtorch.Bytes} bytes ({libtorch.Bytes / 1e6:F1} MB)");
        output.WriteLine("largest files:");
        foreach (var file in published.Files.OrderByDescending(f => f.Bytes).Take(8))
        {
            output.WriteLine($"  {file.Bytes,12}  {file.RelativePath}");
        }
    }

    [Fact]
    public void PayloadHoldsNoGpuOrOtherPlatformLibraries()
    {
        published.AssertPublished();

        var cuda = published.Files.Where(f => CudaLibrary().IsMatch(f.Name)).Select(f => f.RelativePath).ToArray();
        Assert.True(cuda.Length == 0, $"CUDA libraries in the CPU-only payload: {string.Join(", ", cuda)}");

        var foreignRuntimes = published.Files
            .Select(f => f.RelativePath.Split('/'))
            .Where(parts => parts.Length > 2 && parts[0] == "runtimes" && parts[1] != PublishedApi.RuntimeIdentifier)
            .Select(parts => $"runtimes/{parts[1]}")
            .Distinct()
            .ToArray();
        Assert.True(foreignRuntimes.Length == 0, $"natives for other platforms: {string.Join(", ", foreignRuntimes)}");

        var dylibs = published.Files.Where(f => f.Name.EndsWith(".dylib", StringComparison.OrdinalIgnoreCase)).Select(f => f.RelativePath).ToArray();
        Assert.True(dylibs.Length == 0, $"macOS libraries: {string.Join(", ", dylibs)}");

        // Windows natives (torch_cpu.dll, LibTorchSharp.dll, libSkiaSharp.dll, duckdb.dll, ...) share the .dll
        // extension with managed assemblies: every .dll in the payload must carry .NET metadata.
        var windowsNatives = published.Files
            .Where(f => f.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && !IsManagedAssembly(Path.Combine(published.Directory, f.RelativePath)))
            .Select(f => f.RelativePath)
            .ToArray();
        Assert.True(windowsNatives.Length == 0, $"native Windows libraries: {string.Join(", ", windowsNatives)}");

        var otherArchitectures = published.Files
            .Where(f => SharedObject().IsMatch(f.Name) && ElfMachine(Path.Combine(published.Directory, f.RelativePath)) != ElfMachineX86_64)
            .Select(f => f.RelativePath)
            .ToArray();
        Assert.True(otherArchitectures.Length == 0, $"shared objects that are not x86-64 ELF: {string.Join(", ", otherArchitectures)}");
    }

    /// <summary>
    /// Runs the payload the way the image does (its ENTRYPOINT, working directory and ENV on top of the aspnet
    /// base image's own variables), except that it listens on a free loopback port: this machine is shared.
    /// Proves that the cleared ASPNETCORE_HTTP_PORTS does not win over DATAVISOR_HOST/PORT, that the DuckDB
    /// native loads from the payload, and that SIGTERM checkpoints and exits within the stop grace period.
    /// </summary>
    [Fact]
    public async Task PayloadStartsWithTheImageSettingsAndCheckpointsOnSigterm()
    {
        published.AssertPublished();
        var image = Dockerfile.Load(RepositoryPaths.Combine("Dockerfile.backend")).Stages[^1];
        var entrypoint = Assert.Single(image.All("ENTRYPOINT")).Words;
        Assert.Equal("dotnet", entrypoint[0]);

        var port = FreeLoopbackPort();
        var start = ProcessRunner.Dotnet(published.Directory, [.. entrypoint.Skip(1)]);
        foreach (var name in start.Environment.Keys.Where(IsHostingVariable).ToArray())
        {
            start.Environment.Remove(name);
        }

        // The mcr.microsoft.com/dotnet/aspnet:10.0 image's own variables, then the Dockerfile's.
        start.Environment["ASPNETCORE_HTTP_PORTS"] = "8080";
        start.Environment["DOTNET_RUNNING_IN_CONTAINER"] = "true";
        start.Environment["APP_UID"] = "1654";
        foreach (var (name, value) in image.Environment)
        {
            start.Environment[name] = value;
        }

        Assert.Equal(string.Empty, start.Environment["ASPNETCORE_HTTP_PORTS"]);
        start.Environment["DATAVISOR_HOST"] = "127.0.0.1";
        start.Environment["DATAVISOR_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var api = ProcessRunner.Start(start, out var log);
        try
        {
            var health = await WaitForHealthAsync(api, log, new Uri($"http://127.0.0.1:{port}/health"), TimeSpan.FromSeconds(90));
            Assert.Equal("""{"status":"ok"}""", health);
            Assert.Contains($"Now listening on: http://127.0.0.1:{port}", log.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(":8080", log.Text, StringComparison.Ordinal);

            var database = Path.Combine(published.Directory, "data", "datavisor.duckdb");
            output.WriteLine($"write-ahead log before stop: {(File.Exists(database + ".wal") ? "present" : "absent")}");

            var stopwatch = Stopwatch.StartNew();
            ProcessRunner.Terminate(api);
            using (var grace = new CancellationTokenSource(StopGracePeriod))
            {
                try
                {
                    await api.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"the API did not exit within {StopGracePeriod.TotalSeconds} s of SIGTERM:\n{log.Text}");
                }
            }

            output.WriteLine($"SIGTERM to exit: {stopwatch.Elapsed.TotalSeconds:F1} s");
            Assert.True(api.ExitCode == 0, $"exit code {api.ExitCode} after SIGTERM:\n{log.Text}");
            Assert.True(File.Exists(database), $"no database at {database}:\n{log.Text}");
            Assert.False(File.Exists(database + ".wal"), $"a write-ahead log survived the shutdown:\n{log.Text}");
        }
        finally
        {
            if (!api.HasExited)
            {
                api.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<string> WaitForHealthAsync(Process api, CapturedOutput log, Uri health, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            Assert.False(api.HasExited, $"the API exited with code {(api.HasExited ? api.ExitCode : 0)} before answering:\n{log.Text}");
            try
            {
                using var response = await http.GetAsync(health);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsStringAsync();
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but slow to answer: try again until the deadline.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.Fail($"{health} did not answer 200 within {timeout.TotalSeconds} s:\n{log.Text}");
        return string.Empty;
    }

    /// <summary>Variables that could choose the listen address or environment in place of the image's.</summary>
    private static bool IsHostingVariable(string name) =>
        name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("DATAVISOR_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Kestrel__", StringComparison.OrdinalIgnoreCase)
        || name is "URLS" or "HTTP_PORTS" or "HTTPS_PORTS" or "DOTNET_URLS" or "DOTNET_HTTP_PORTS" or "DOTNET_HTTPS_PORTS" or "DOTNET_ENVIRONMENT";

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            return reader.HasMetadata;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>e_machine of an ELF file, or 0 when the file is not ELF.</summary>
    private static ushort ElfMachine(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> header = stackalloc byte[20];
        if (stream.Read(header) < header.Length || header[0] != 0x7F || header[1] != 'E' || header[2] != 'L' || header[3] != 'F')
        {
            return 0;
        }

        // EI_DATA (byte 5) is 1 for little-endian; e_machine sits at offset 18.
        return header[5] == 1 ? (ushort)(header[18] | header[19] << 8) : (ushort)(header[19] | header[18] << 8);
    }

    private string Listing() => string.Join('\n', published.Files.Select(f => $"  {f.Bytes,12}  {f.RelativePath}"));

    [GeneratedRegex(@"cuda|libcudart|libcublas|libcudnn|libnvrtc|libnccl", RegexOptions.IgnoreCase)]
    private static partial Regex CudaLibrary();

    [GeneratedRegex(@"\.so(\.\d+)*$")]
    private static partial Regex SharedObject();
}
