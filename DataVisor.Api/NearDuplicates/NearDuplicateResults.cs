using System.Collections.Concurrent;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Jobs;

namespace DataVisor.Api.NearDuplicates;

/// <summary>One completed detection (R31): groups in the contract's order, and the vectors it was run on.</summary>
internal sealed record NearDuplicateResult(long EmbeddingVersion, IReadOnlyList<string[]> Groups, double Threshold);

/// <summary>
/// The latest completed detection per dataset, in memory only (§6.11). A result is dropped when the
/// dataset is deleted and ignored once a generation has replaced the vectors it was computed from.
/// </summary>
internal sealed class NearDuplicateResults
{
    private readonly ConcurrentDictionary<string, NearDuplicateResult> _results = new(StringComparer.Ordinal);
    private readonly EmbeddingStore _embeddings;

    public NearDuplicateResults(EmbeddingStore embeddings, JobRegistry jobs)
    {
        _embeddings = embeddings;
        jobs.DatasetForgotten += datasetId => _results.TryRemove(datasetId, out _);
    }

    public void Publish(string datasetId, NearDuplicateResult result) => _results[datasetId] = result;

    /// <summary>Null when no detection completed, or a successful generation came after it.</summary>
    public NearDuplicateResult? Latest(string datasetId) =>
        _results.TryGetValue(datasetId, out var result) && result.EmbeddingVersion == _embeddings.Version(datasetId)
            ? result
            : null;
}
