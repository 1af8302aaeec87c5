using System.Text;

namespace DataVisor.Tests.EmbeddingJobs;

/// <summary>§1.7: an idle dialect-B stream sends <c>: ping - &lt;UTC timestamp&gt;\r\n\r\n</c> every 15 s.</summary>
public sealed class ProgressKeepAliveTests
{
    [Fact]
    public async Task Idle_stream_sends_a_ping_comment_after_15_seconds()
    {
        using var bed = new EmbeddingJobTestBed(new ScriptedModelCatalog());
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/embeddings/progress", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (!text.ToString().Contains(": ping - ", StringComparison.Ordinal))
        {
            var read = await body.ReadAsync(buffer, deadline.Token);
            Assert.True(read > 0);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        while (!text.ToString()[text.ToString().IndexOf(": ping - ", StringComparison.Ordinal)..].Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await body.ReadAsync(buffer, deadline.Token);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        var frames = text.ToString().Split("\r\n\r\n");
        var ping = Assert.Single(frames, frame => frame.StartsWith(": ping - ", StringComparison.Ordinal));
        var stamp = DateTime.Parse(ping[": ping - ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(stamp, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        // Every frame before it is an idle progress event, two per second: 30 in 15 s on an idle host. A starved
        // thread pool (the suite's other tests on 2 cores) can only drop ticks, since PeriodicTimer coalesces
        // missed ones (21 seen in one clean-clone run), never add them; so the bounds are at least one per
        // second and at most about two.
        var events = frames.TakeWhile(frame => frame != ping).ToList();
        Assert.All(events, frame => Assert.StartsWith("event: progress\r\ndata: {\"status\":\"idle\"", frame, StringComparison.Ordinal));
        Assert.InRange(events.Count, 15, 35);
    }
}
