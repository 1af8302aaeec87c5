using System.Diagnostics;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Jobs;

namespace DataVisor.Api.NearDuplicates;

/// <summary>
/// R29's job (§6.11): runs <see cref="NearDuplicateScan"/> over the unit-length vectors that R28 searches
/// (the cached matrix of <see cref="SimilarityIndex"/>) and turns its components into sample-id groups.
/// </summary>
internal sealed class NearDuplicateDetector(SimilarityIndex index, EmbeddingStore embeddings, NearDuplicateResults results, NearDuplicatePacing pacing)
{
    public async Task<NearDuplicateProgress> RunAsync(string datasetId, double threshold, JobContext<NearDuplicateProgress> job)
    {
        var cancellationToken = job.CancellationToken;
        // The registry runs each job under its own activity, which is current here.
        var activity = Activity.Current;
        activity?.SetTag("datavisor.near_duplicates.threshold", threshold);
        // The version first: if a generation lands while we read, the result is already stale and never shown.
        var version = embeddings.Version(datasetId);
        var matrix = index.Current(datasetId);
        if (matrix is null || matrix.SampleIds.Length == 0)
        {
            results.Publish(datasetId, new NearDuplicateResult(version, [], threshold));
            return NearDuplicateProgress.NoEmbeddings;
        }

        var total = matrix.SampleIds.Length;
        activity?.SetTag("datavisor.near_duplicates.vectors", total);
        var reported = 0;
        var components = await NearDuplicateScan.RunAsync(
            matrix.Vectors,
            total,
            matrix.Dimension,
            threshold,
            pacing.BeforeBlockAsync,
            scanned =>
            {
                // §6.11: at least every 10 samples and at the end (a block finishes many rows at once).
                for (var next = reported + 10 - (reported % 10); next < scanned; next += 10)
                {
                    job.Report(NearDuplicateProgress.Scanning(next, total));
                }

                job.Report(NearDuplicateProgress.Scanning(scanned, total));
                reported = scanned;
            },
            cancellationToken);

        job.Report(NearDuplicateProgress.Grouping(total));
        var groups = Groups(components, matrix.SampleIds);
        results.Publish(datasetId, new NearDuplicateResult(version, groups, threshold));
        activity?.SetTag("datavisor.near_duplicates.groups", groups.Count);
        return NearDuplicateProgress.Complete(total, groups.Count, groups.Sum(group => group.Length));
    }

    /// <summary>Components of 2 or more; ids in ordinal order, groups by size descending then first id.</summary>
    private static List<string[]> Groups(UnionFind components, string[] sampleIds)
    {
        var groups = components.Components()
            .Select(rows =>
            {
                var ids = Array.ConvertAll(rows, row => sampleIds[row]);
                Array.Sort(ids, StringComparer.Ordinal);
                return ids;
            })
            .ToList();
        groups.Sort((left, right) => left.Length != right.Length
            ? right.Length.CompareTo(left.Length)
            : string.CompareOrdinal(left[0], right[0]));
        return groups;
    }
}
