using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace DataVisor.Api.EmbeddingJobs;

/// <summary>One result of R28.</summary>
internal readonly record struct SimilarSample(string SampleId, float Score, string? FileName);

/// <summary>
/// Exact cosine search (§6.11) over a dataset's active vectors, kept in memory as unit-length rows in
/// ordinal order of sample id. The matrix is rebuilt whenever <see cref="EmbeddingStore.Version"/> says the
/// vectors changed, so a regeneration shows at the next query (D10).
/// </summary>
internal sealed class SimilarityIndex
{
    private readonly ConcurrentDictionary<string, Matrix> _matrices = new(StringComparer.Ordinal);
    private readonly EmbeddingStore store;

    public SimilarityIndex(EmbeddingStore store, Jobs.JobRegistry jobs)
    {
        this.store = store;
        // A deleted dataset's matrix goes with it (its id may come back with new vectors).
        jobs.DatasetForgotten += datasetId =>
        {
            store.Invalidate(datasetId);
            _matrices.TryRemove(datasetId, out _);
        };
    }

    /// <summary>Null when the sample has no vector of the active model.</summary>
    public IReadOnlyList<SimilarSample>? Search(string datasetId, string sampleId, int limit)
    {
        var matrix = Current(datasetId);
        if (matrix is null || !matrix.RowBySample.TryGetValue(sampleId, out var queryRow))
        {
            return null;
        }

        return TopSimilar(matrix, queryRow, limit);
    }

    /// <summary>
    /// The exact scan behind <see cref="Search"/>: the <paramref name="limit"/> rows most similar to row
    /// <paramref name="queryRow"/> (itself excluded), best first. Internal so the benchmark times this very path.
    /// </summary>
    internal static SimilarSample[] TopSimilar(Matrix matrix, int queryRow, int limit)
    {
        var dimension = matrix.Dimension;
        var query = matrix.Vectors.AsSpan(queryRow * dimension, dimension);
        // A bounded min-heap of the best rows; rows are in id order, so among equal scores the earlier row wins.
        var best = new PriorityQueue<int, (float Score, int Row)>(limit + 1, Comparer<(float Score, int Row)>.Create(
            (left, right) => left.Score != right.Score ? left.Score.CompareTo(right.Score) : right.Row.CompareTo(left.Row)));
        for (var row = 0; row < matrix.SampleIds.Length; row++)
        {
            if (row == queryRow)
            {
                continue;
            }

            var score = TensorPrimitives.Dot(query, matrix.Vectors.AsSpan(row * dimension, dimension));
            if (best.Count < limit)
            {
                best.Enqueue(row, (score, row));
            }
            else if (best.TryPeek(out _, out var worst) && score > worst.Score)
            {
                // A later row with an equal score loses the tie, so only a strictly higher score gets in.
                best.EnqueueDequeue(row, (score, row));
            }
        }

        var results = new SimilarSample[best.Count];
        for (var index = results.Length - 1; index >= 0; index--)
        {
            best.TryDequeue(out var row, out var key);
            results[index] = new SimilarSample(matrix.SampleIds[row], key.Score, matrix.FileNames[row]);
        }

        return results;
    }

    /// <summary>The dataset's current unit-length vectors (shared: callers must not modify them), or null.</summary>
    internal Matrix? Current(string datasetId)
    {
        var version = store.Version(datasetId);
        if (_matrices.TryGetValue(datasetId, out var cached) && cached.Version == version)
        {
            return cached;
        }

        var active = store.LoadActiveVectors(datasetId);
        if (active is null)
        {
            _matrices.TryRemove(datasetId, out _);
            return null;
        }

        var matrix = Matrix.Normalised(active, version);
        _matrices[datasetId] = matrix;
        return matrix;
    }

    internal sealed record Matrix(long Version, string[] SampleIds, string?[] FileNames, float[] Vectors, int Dimension, Dictionary<string, int> RowBySample)
    {
        /// <summary>Rows scaled to unit length, so a dot product is the cosine; a zero row stays zero (score 0).</summary>
        public static Matrix Normalised(ActiveVectors active, long version)
        {
            var vectors = active.Vectors;
            for (var row = 0; row < active.SampleIds.Length; row++)
            {
                var span = vectors.AsSpan(row * active.Dimension, active.Dimension);
                var norm = TensorPrimitives.Norm(span);
                if (norm > 0)
                {
                    TensorPrimitives.Divide(span, norm, span);
                }
            }

            var rows = new Dictionary<string, int>(active.SampleIds.Length, StringComparer.Ordinal);
            for (var row = 0; row < active.SampleIds.Length; row++)
            {
                rows[active.SampleIds[row]] = row;
            }

            return new Matrix(version, active.SampleIds, active.FileNames, vectors, active.Dimension, rows);
        }
    }
}
