using System.Diagnostics;
using System.Diagnostics.Metrics;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Jobs;
using DataVisor.Api.Telemetry;

namespace DataVisor.Api.Reductions;

/// <summary>
/// R25's job (§6.10): the active model's raw vectors in ordinal order of sample id go to the chosen reducer,
/// and the layout replaces the model's coordinates only if the vectors did not change meanwhile. A failed or
/// cancelled run writes nothing, so the previous coordinates stay (§2.9).
/// </summary>
internal sealed partial class ReductionJob
{
    /// <summary>The wire names of the methods R25 accepts (§4.9), whether or not this build has each one.</summary>
    public static readonly string[] Methods = ["umap", "tsne", "pca"];

    private readonly IReadOnlyDictionary<string, IDimensionReducer> _reducers;
    private readonly EmbeddingStore _embeddings;
    private readonly CoordinateStore _coordinates;
    private readonly ReductionPacing _pacing;
    private readonly Histogram<double> _fitDuration;
    private readonly ILogger<ReductionJob> _logger;

    public ReductionJob(
        IEnumerable<IDimensionReducer> reducers,
        EmbeddingStore embeddings,
        CoordinateStore coordinates,
        ReductionPacing pacing,
        DataVisorTelemetry telemetry,
        ILogger<ReductionJob> logger)
    {
        _logger = logger;
        // The last registration of a method wins, as with any other service a test replaces.
        _reducers = reducers.GroupBy(reducer => reducer.Method, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.Last(), StringComparer.Ordinal);
        _embeddings = embeddings;
        _coordinates = coordinates;
        _pacing = pacing;
        _fitDuration = telemetry.Meter.CreateHistogram<double>(
            "datavisor.reduction.duration", unit: "s", description: "Wall time of the reducer's fit, by method.");
    }

    public async Task<ReductionProgress> RunAsync(string datasetId, string method, JobContext<ReductionProgress> job)
    {
        var cancellationToken = job.CancellationToken;
        // The registry runs each job under its own activity, which is current here.
        var activity = Activity.Current;
        activity?.SetTag("datavisor.reduction.method", method);
        if (!_reducers.TryGetValue(method, out var reducer))
        {
            return ReductionProgress.Unavailable(method);
        }

        // The version first: a generation that lands after it makes this run's layout stale, and the write refuses it.
        var version = _embeddings.Version(datasetId);
        var active = _embeddings.LoadActiveVectors(datasetId);
        if (active is null || active.SampleIds.Length == 0)
        {
            return ReductionProgress.NoEmbeddings;
        }

        var count = active.SampleIds.Length;
        activity?.SetTag("datavisor.reduction.vectors", count);
        activity?.SetTag("datavisor.reduction.dimension", active.Dimension);
        job.Report(ReductionProgress.Fitting(reducer.DisplayName, count));
        await _pacing.BeforeFitAsync(datasetId, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        var started = Stopwatch.GetTimestamp();
        var vectors = new VectorSet(active.Vectors, count, active.Dimension);
        var layout = reducer.Reduce(vectors, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        activity?.SetTag("datavisor.reduction.duration_seconds", seconds);
        _fitDuration.Record(seconds, new KeyValuePair<string, object?>("datavisor.reduction.method", method));
        if (layout.Length != 2 * count || !Array.TrueForAll(layout, double.IsFinite))
        {
            throw new InvalidOperationException($"{reducer.DisplayName} produced an unusable layout ({layout.Length} values for {count} points).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var outcome = await _coordinates.ReplaceAsync(datasetId, active.ModelName, version, active.SampleIds, layout, method, cancellationToken);
        LogReduced(_logger, datasetId, reducer.DisplayName, count, active.Dimension, seconds, outcome);
        return outcome switch
        {
            CoordinateWrite.Saved => ReductionProgress.Complete(count),
            CoordinateWrite.EmbeddingsChanged => ReductionProgress.EmbeddingsChanged,
            _ => ReductionProgress.DatasetDeleted,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reduction of dataset {DatasetId}: {Method} on {Count} x {Dimension} vectors in {Seconds:F2} s, coordinates {Outcome}")]
    private static partial void LogReduced(ILogger logger, string datasetId, string method, int count, int dimension, double seconds, CoordinateWrite outcome);
}
