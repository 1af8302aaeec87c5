using System.Collections.Concurrent;
using System.Diagnostics;
using DataVisor.Api.Telemetry;

namespace DataVisor.Tests.Ingestion;

/// <summary>Collects finished DataVisor spans. Listeners are process-wide, so tests filter by dataset id.</summary>
public sealed class ActivityCollector : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DataVisorTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    /// <summary>The finished <c>ingest</c> span of a dataset, polled until <paramref name="timeout"/>.</summary>
    public async Task<Activity> WaitForIngestAsync(string datasetId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var ingest = _stopped.FirstOrDefault(a => a.OperationName == "ingest" && (string?)a.GetTagItem("datavisor.dataset.id") == datasetId);
            if (ingest is not null)
            {
                return ingest;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the ingest of {datasetId} did not finish within {timeout}");
            await Task.Delay(50);
        }
    }

    public void Dispose() => _listener.Dispose();
}
