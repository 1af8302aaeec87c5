using System.Diagnostics;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Jobs;
using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Api.NearDuplicates;

/// <summary>
/// R29's job (§6.11): an exact, blocked all-pairs scan of the unit-length vectors. For each block of
/// <see cref="QueryBlockRows"/> query rows the cosines against <see cref="ColumnBlockRows"/> candidate rows
/// at a time are one libtorch matrix product into a fixed-size tile, so memory beyond the vectors stays
/// bounded whatever the dataset size; each row keeps its 9 best neighbours at or above the threshold, and
/// those edges are joined with a union-find.
/// </summary>
internal sealed class NearDuplicateDetector(SimilarityIndex index, EmbeddingStore embeddings, NearDuplicateResults results, NearDuplicatePacing pacing)
{
    /// <summary>The contract's neighbour count per sample.</summary>
    public const int NeighboursPerSample = 9;

    // A 256 x 4096 tile is 4 MB; a query block of 100k x 512-d vectors is about a second of work, which is
    // also how long a cancellation may wait.
    private const int QueryBlockRows = 256;
    private const int ColumnBlockRows = 4096;

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
        var dimension = matrix.Dimension;
        var components = new UnionFind(total);
        _ = TorchRuntime.Version;
        using var noGrad = no_grad();
        using var vectors = tensor(matrix.Vectors, [total, dimension], ScalarType.Float32);
        var tile = new float[QueryBlockRows * ColumnBlockRows];
        var neighbours = new Neighbours[QueryBlockRows];
        for (var slot = 0; slot < neighbours.Length; slot++)
        {
            neighbours[slot] = new Neighbours();
        }

        for (var queryStart = 0; queryStart < total; queryStart += QueryBlockRows)
        {
            await pacing.BeforeBlockAsync(queryStart, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            var queryCount = Math.Min(QueryBlockRows, total - queryStart);
            for (var slot = 0; slot < queryCount; slot++)
            {
                neighbours[slot].Clear();
            }

            for (var columnStart = 0; columnStart < total; columnStart += ColumnBlockRows)
            {
                var columnCount = Math.Min(ColumnBlockRows, total - columnStart);
                ScoreTile(vectors, queryStart, queryCount, columnStart, columnCount, tile);
                for (var slot = 0; slot < queryCount; slot++)
                {
                    var queryRow = queryStart + slot;
                    var scores = tile.AsSpan(slot * columnCount, columnCount);
                    for (var offset = 0; offset < columnCount; offset++)
                    {
                        var row = columnStart + offset;
                        if (row != queryRow && scores[offset] >= threshold)
                        {
                            neighbours[slot].Offer(scores[offset], row);
                        }
                    }
                }
            }

            for (var slot = 0; slot < queryCount; slot++)
            {
                neighbours[slot].JoinInto(components, queryStart + slot);
                var scanned = queryStart + slot + 1;
                if (scanned % 10 == 0 || scanned == total)
                {
                    job.Report(NearDuplicateProgress.Scanning(scanned, total));
                }
            }
        }

        job.Report(NearDuplicateProgress.Grouping(total));
        var groups = Groups(components, matrix.SampleIds);
        results.Publish(datasetId, new NearDuplicateResult(version, groups, threshold));
        activity?.SetTag("datavisor.near_duplicates.groups", groups.Count);
        return NearDuplicateProgress.Complete(total, groups.Count, groups.Sum(group => group.Length));
    }

    /// <summary>tile[q, c] = row(queryStart + q) · row(columnStart + c): a block of the matrix product V·Vᵀ.</summary>
    private static void ScoreTile(Tensor vectors, int queryStart, int queryCount, int columnStart, int columnCount, float[] tile)
    {
        using var scope = NewDisposeScope();
        var scores = vectors.narrow(0, queryStart, queryCount).matmul(vectors.narrow(0, columnStart, columnCount).t()).contiguous();
        scores.data<float>().CopyTo(tile, 0);
    }

    /// <summary>Components of 2 or more; ids in ordinal order, groups by size descending then first id.</summary>
    private static List<string[]> Groups(UnionFind components, string[] sampleIds)
    {
        var members = new Dictionary<int, List<string>>();
        for (var row = 0; row < sampleIds.Length; row++)
        {
            var root = components.Find(row);
            if (!members.TryGetValue(root, out var list))
            {
                list = [];
                members[root] = list;
            }

            list.Add(sampleIds[row]);
        }

        var groups = members.Values
            .Where(list => list.Count >= 2)
            .Select(list =>
            {
                var ids = list.ToArray();
                Array.Sort(ids, StringComparer.Ordinal);
                return ids;
            })
            .ToList();
        groups.Sort((left, right) => left.Length != right.Length
            ? right.Length.CompareTo(left.Length)
            : string.CompareOrdinal(left[0], right[0]));
        return groups;
    }

    /// <summary>
    /// A row's best neighbours, score descending; candidates arrive in row (= ordinal id) order, so on an
    /// equal score the earlier row stays ahead, as in R28.
    /// </summary>
    private sealed class Neighbours
    {
        private readonly float[] _scores = new float[NeighboursPerSample];
        private readonly int[] _rows = new int[NeighboursPerSample];
        private int _count;

        public void Clear() => _count = 0;

        public void Offer(float score, int row)
        {
            if (_count == NeighboursPerSample && score <= _scores[_count - 1])
            {
                return;
            }

            var position = _count < NeighboursPerSample ? _count : NeighboursPerSample - 1;
            while (position > 0 && _scores[position - 1] < score)
            {
                _scores[position] = _scores[position - 1];
                _rows[position] = _rows[position - 1];
                position--;
            }

            _scores[position] = score;
            _rows[position] = row;
            _count = Math.Min(_count + 1, NeighboursPerSample);
        }

        public void JoinInto(UnionFind components, int row)
        {
            for (var index = 0; index < _count; index++)
            {
                components.Union(row, _rows[index]);
            }
        }
    }

    private sealed class UnionFind
    {
        private readonly int[] _parent;

        public UnionFind(int count)
        {
            _parent = new int[count];
            for (var index = 0; index < count; index++)
            {
                _parent[index] = index;
            }
        }

        public int Find(int item)
        {
            while (_parent[item] != item)
            {
                // Path halving keeps the trees shallow without recursion.
                _parent[item] = _parent[_parent[item]];
                item = _parent[item];
            }

            return item;
        }

        public void Union(int left, int right)
        {
            var leftRoot = Find(left);
            var rightRoot = Find(right);
            if (leftRoot != rightRoot)
            {
                // The smaller root wins, so the structure does not depend on the order of unions.
                _parent[Math.Max(leftRoot, rightRoot)] = Math.Min(leftRoot, rightRoot);
            }
        }
    }
}
