using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace DataVisor.Tests.Packaging;

/// <summary>How a finished child process ended, with stdout and stderr interleaved as they arrived.</summary>
internal sealed record ProcessOutcome(string CommandLine, int ExitCode, bool TimedOut, TimeSpan Elapsed, string Output)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>For assertion messages: what ran, how it ended and everything it printed.</summary>
    public string Describe() =>
        $"{CommandLine}\n{(TimedOut ? "timed out" : $"exit code {ExitCode}")} after {Elapsed.TotalSeconds:F0} s\n--- output ---\n{Output}";
}

/// <summary>Starts child processes with captured output, for the tests that run the SDK or the published API.</summary>
internal static class ProcessRunner
{
    /// <summary>The <c>dotnet</c> host the test run itself uses, so a nested command sees the same SDK.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// A start description for <c>dotnet</c>. MSBuild variables inherited from the <c>dotnet test</c> that
    /// runs this test are removed: they describe the outer build, not the one being started.
    /// </summary>
    public static ProcessStartInfo Dotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            start.Environment.Remove(name);
        }

        return start;
    }

    /// <summary>Runs to completion; past <paramref name="timeout"/> the whole process tree is killed.</summary>
    public static async Task<ProcessOutcome> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Start(start, out var output);
        var stopwatch = Stopwatch.StartNew();
        var timedOut = false;
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                // Waits for exit and for the end of both output streams.
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        return new ProcessOutcome(Describe(start), process.ExitCode, timedOut, stopwatch.Elapsed, output.Text);
    }

    /// <summary>Starts a process whose output is collected into <paramref name="output"/> while it runs.</summary>
    public static Process Start(ProcessStartInfo start, out CapturedOutput output)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = false;

        var captured = new CapturedOutput();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => captured.Append(e.Data);
        process.ErrorDataReceived += (_, e) => captured.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = captured;
        return process;
    }

    /// <summary>Sends SIGTERM, what <c>docker stop</c> sends first (the image's STOPSIGNAL).</summary>
    public static void Terminate(Process process)
    {
        if (kill(process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static string Describe(ProcessStartInfo start) =>
        string.Join(' ', [Path.GetFileName(start.FileName), .. start.ArgumentList]);

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}

/// <summary>Output lines of a running process, safe to read while it is still writing.</summary>
internal sealed class CapturedOutput
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();

    public string Text
    {
        get { lock (_gate) { return _text.ToString(); } }
    }

    public void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _text.AppendLine(line);
        }
    }
}
