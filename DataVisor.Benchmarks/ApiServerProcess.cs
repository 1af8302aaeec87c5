using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DataVisor.Benchmarks;

/// <summary>
/// The API as its own process (the build next to this benchmark's configuration), so that its peak
/// memory can be read from <c>/proc</c> without the benchmark's own allocations in it.
/// </summary>
public sealed class ApiServerProcess : IDisposable
{
    private readonly Process _process;

    private ApiServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <param name="apiAssemblyPath">Another build of the API (e.g. a baseline commit's) instead of the one next to this benchmark.</param>
    public static async Task<ApiServerProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string> settings, string? apiAssemblyPath = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [apiAssemblyPath ?? ApiAssemblyPath()])
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DATAVISOR_HOST"] = "127.0.0.1";
        start.Environment["DATAVISOR_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["DATAVISOR_DB_PATH"] = Path.Combine(dataDirectory, "datavisor.duckdb");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[api] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ApiServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        await server.WaitHealthyAsync();
        return server;
    }

    /// <summary>Peak resident set size of the API process so far (VmHWM), in bytes.</summary>
    public long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kilobytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return kilobytes * 1024;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private async Task WaitHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Refused while starting, or a probe slower than 2 s on a loaded machine: probe again.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the API did not become healthy");
    }

    private static string ApiAssemblyPath()
    {
        var output = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        for (var dir = new DirectoryInfo(output); dir is not null; dir = dir.Parent)
        {
            if (dir.Name == "DataVisor.Benchmarks")
            {
                var relative = Path.GetRelativePath(dir.FullName, output);
                var path = Path.Combine(dir.Parent!.FullName, "DataVisor.Api", relative, "DataVisor.Api.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException("Build the API in the same configuration", path);
            }
        }

        throw new InvalidOperationException("run the benchmark from its build output");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
