using System.Diagnostics;
using DataVisor.Api.Telemetry;

namespace DataVisor.Api.Jobs;

/// <summary>
/// The background jobs of every dataset (§2.9): at most one running job per dataset and kind, each with
/// its latest progress in memory for the dialect-B streams. Deleting a dataset cancels its jobs and
/// forgets their state; shutdown cancels every job. State is process-local, so a restart reports idle.
/// </summary>
public sealed partial class JobRegistry : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DatasetJobs> _datasets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<JobRegistry> _logger;

    public JobRegistry(IHostApplicationLifetime lifetime, ILogger<JobRegistry> logger)
    {
        _logger = logger;
        lifetime.ApplicationStopping.Register(CancelAll);
    }

    /// <summary>Cancelled when the service stops: streams end, jobs stop at their next batch.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public bool IsRunning(string datasetId, string kind)
    {
        lock (_gate)
        {
            return _datasets.TryGetValue(datasetId, out var jobs) && jobs.Slots.TryGetValue(kind, out var slot) && slot.IsRunning;
        }
    }

    /// <summary>The latest progress of the dataset's job of this kind, or null when none ran since start.</summary>
    public TProgress? Progress<TProgress>(string datasetId, string kind)
        where TProgress : class
    {
        lock (_gate)
        {
            return _datasets.TryGetValue(datasetId, out var jobs) && jobs.Slots.TryGetValue(kind, out var slot)
                ? slot.Progress as TProgress
                : null;
        }
    }

    /// <summary>
    /// A token cancelled when the dataset is deleted, taken before the caller checks that the dataset
    /// exists so that a deletion in between is never missed.
    /// </summary>
    public CancellationToken DatasetDeleted(string datasetId)
    {
        lock (_gate)
        {
            return Jobs(datasetId).Deleted.Token;
        }
    }

    /// <summary>
    /// Starts <paramref name="work"/> unless a job of this kind is already running for the dataset (false).
    /// The work reports progress through its <see cref="JobContext{TProgress}"/> and returns the final state;
    /// <paramref name="aborted"/> gives the final state from the last reported one, for a cancellation (null
    /// exception) or a failure.
    /// </summary>
    public bool TryStart<TProgress>(
        string datasetId,
        string kind,
        TProgress initial,
        Func<JobContext<TProgress>, Task<TProgress>> work,
        Func<TProgress, Exception?, TProgress> aborted)
        where TProgress : class
    {
        JobSlot slot;
        lock (_gate)
        {
            var jobs = Jobs(datasetId);
            if (jobs.Slots.TryGetValue(kind, out var existing) && existing.IsRunning)
            {
                return false;
            }

            slot = new JobSlot(initial, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, jobs.Deleted.Token));
            jobs.Slots[kind] = slot;
        }

        slot.Task = Task.Run(() => RunAsync(datasetId, kind, slot, work, aborted));
        return true;
    }

    /// <summary>Asks the running job to stop at its next batch boundary; false when none is running.</summary>
    public bool TryCancel(string datasetId, string kind)
    {
        JobSlot? slot;
        lock (_gate)
        {
            if (!_datasets.TryGetValue(datasetId, out var jobs) || !jobs.Slots.TryGetValue(kind, out slot) || !slot.IsRunning)
            {
                return false;
            }
        }

        try
        {
            slot.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job ended between the check and the request; it is no longer running either way.
        }

        return true;
    }

    /// <summary>Raised after a dataset was deleted, so per-dataset caches can drop what they hold.</summary>
    public event Action<string>? DatasetForgotten;

    /// <summary>R5: cancels the dataset's jobs, ends its streams and discards their state.</summary>
    public void ForgetDataset(string datasetId)
    {
        DatasetJobs? jobs;
        lock (_gate)
        {
            _datasets.Remove(datasetId, out jobs);
        }

        // Outside the lock: cancellation runs the jobs' and streams' callbacks synchronously.
        jobs?.Deleted.Cancel();
        DatasetForgotten?.Invoke(datasetId);
    }

    public void Dispose()
    {
        CancelAll();
        _stopping.Dispose();
    }

    private void CancelAll()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }
    }

    private DatasetJobs Jobs(string datasetId)
    {
        if (!_datasets.TryGetValue(datasetId, out var jobs))
        {
            jobs = new DatasetJobs();
            _datasets[datasetId] = jobs;
        }

        return jobs;
    }

    private async Task RunAsync<TProgress>(
        string datasetId, string kind, JobSlot slot, Func<JobContext<TProgress>, Task<TProgress>> work, Func<TProgress, Exception?, TProgress> aborted)
        where TProgress : class
    {
        // A trace of its own (not a child of the request that started it), linked to that request.
        var trigger = Activity.Current?.Context;
        Activity.Current = null;
        using var activity = DataVisorTelemetry.ActivitySource.StartActivity(
            ActivityKind.Internal, parentContext: default, links: trigger is { } link ? [new ActivityLink(link)] : null, name: $"job {kind}");
        activity?.SetTag("datavisor.dataset_id", datasetId);
        activity?.SetTag("datavisor.job.kind", kind);
        TProgress final;
        try
        {
            final = await work(new JobContext<TProgress>(slot, slot.Cancellation.Token));
            activity?.SetStatus(ActivityStatusCode.Ok);
        }
        catch (Exception) when (slot.Cancellation.IsCancellationRequested)
        {
            // Whatever stopped a cancelled job (at shutdown the database closes under it) counts as the cancellation.
            final = aborted((TProgress)slot.Progress, null);
            activity?.SetStatus(ActivityStatusCode.Error, "Cancelled");
        }
        catch (Exception ex)
        {
            LogJobFailed(_logger, kind, datasetId, ex);
            final = aborted((TProgress)slot.Progress, ex);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
        }

        lock (_gate)
        {
            slot.Progress = final;
            slot.IsRunning = false;
        }

        slot.Cancellation.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Kind} of dataset {DatasetId} failed")]
    private static partial void LogJobFailed(ILogger logger, string kind, string datasetId, Exception exception);

    private sealed class DatasetJobs
    {
        public CancellationTokenSource Deleted { get; } = new();

        public Dictionary<string, JobSlot> Slots { get; } = new(StringComparer.Ordinal);
    }

    internal sealed class JobSlot(object progress, CancellationTokenSource cancellation)
    {
        public volatile object Progress = progress;

        public volatile bool IsRunning = true;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task? Task { get; set; }
    }
}

/// <summary>What a running job sees: its cancellation and where to publish progress.</summary>
public sealed class JobContext<TProgress>
    where TProgress : class
{
    private readonly JobRegistry.JobSlot _slot;

    internal JobContext(JobRegistry.JobSlot slot, CancellationToken cancellationToken)
    {
        _slot = slot;
        CancellationToken = cancellationToken;
    }

    public CancellationToken CancellationToken { get; }

    /// <summary>Replaces the in-memory state the progress streams send.</summary>
    public void Report(TProgress progress) => _slot.Progress = progress;
}
