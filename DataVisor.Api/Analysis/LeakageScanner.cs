using System.Numerics.Tensors;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Evaluation;

namespace DataVisor.Api.Analysis;

/// <summary>
/// Near-duplicate split leakage for the analyst: pairs of images in different splits whose active-model
/// embeddings have cosine ≥ 0.95 (R29's default threshold), by an exact scan of the cached unit-length
/// matrix. The scan is quadratic and the route synchronous, so above <see cref="MaxVectors"/> split vectors it
/// is skipped and the input says so; R29's background job covers large datasets.
/// </summary>
internal sealed class LeakageScanner(SimilarityIndex index)
{
    public const double Threshold = 0.95;

    // 4000 vectors are 8M pairs: about a second of dot products at 512 dimensions on one core.
    public const int MaxVectors = 4000;

    public SplitLeakage? Scan(string datasetId, IReadOnlyList<EvaluationSample> samples)
    {
        var splits = samples.Where(s => s.Split is not null).ToDictionary(s => s.Id, s => s.Split!, StringComparer.Ordinal);
        if (splits.Values.Distinct(StringComparer.Ordinal).Take(2).Count() < 2)
        {
            return null;
        }

        var matrix = index.Current(datasetId);
        if (matrix is null)
        {
            return null;
        }

        var rows = Enumerable.Range(0, matrix.SampleIds.Length).Where(r => splits.ContainsKey(matrix.SampleIds[r])).ToArray();
        if (rows.Length > MaxVectors)
        {
            return new SplitLeakage(Threshold, 0, 0, rows.Length, [], $"skipped: {rows.Length} embedded images exceed the {MaxVectors} scanned synchronously");
        }

        return CrossSplitPairs(matrix.Vectors, matrix.Dimension, rows, [.. rows.Select(r => splits[matrix.SampleIds[r]])]);
    }

    /// <summary>
    /// The exact scan: every pair of <paramref name="rows"/> (of a unit-length row-major matrix) in different
    /// splits with cosine ≥ <see cref="Threshold"/>. Internal so the benchmark times this very loop.
    /// </summary>
    internal static SplitLeakage CrossSplitPairs(float[] vectors, int dimension, int[] rows, string[] rowSplits)
    {
        long pairs = 0;
        var involved = new HashSet<int>();
        var bySplits = new SortedDictionary<string, long>(OrdinalText.Comparer);
        for (var i = 0; i < rows.Length; i++)
        {
            var left = vectors.AsSpan(rows[i] * dimension, dimension);
            for (var j = i + 1; j < rows.Length; j++)
            {
                if (rowSplits[i] == rowSplits[j] || TensorPrimitives.Dot(left, vectors.AsSpan(rows[j] * dimension, dimension)) < Threshold)
                {
                    continue;
                }

                pairs++;
                involved.Add(i);
                involved.Add(j);
                var key = OrdinalText.Comparer.Compare(rowSplits[i], rowSplits[j]) < 0 ? $"{rowSplits[i]}/{rowSplits[j]}" : $"{rowSplits[j]}/{rowSplits[i]}";
                bySplits[key] = bySplits.GetValueOrDefault(key) + 1;
            }
        }

        return new SplitLeakage(Threshold, pairs, involved.Count, rows.Length, [.. bySplits.Select(p => (p.Key, p.Value))], null);
    }
}
