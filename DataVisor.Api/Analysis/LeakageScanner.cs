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

        var dimension = matrix.Dimension;
        long pairs = 0;
        var involved = new HashSet<int>();
        var bySplits = new SortedDictionary<string, long>(OrdinalText.Comparer);
        for (var i = 0; i < rows.Length; i++)
        {
            var left = matrix.Vectors.AsSpan(rows[i] * dimension, dimension);
            var leftSplit = splits[matrix.SampleIds[rows[i]]];
            for (var j = i + 1; j < rows.Length; j++)
            {
                var rightSplit = splits[matrix.SampleIds[rows[j]]];
                if (leftSplit == rightSplit || TensorPrimitives.Dot(left, matrix.Vectors.AsSpan(rows[j] * dimension, dimension)) < Threshold)
                {
                    continue;
                }

                pairs++;
                involved.Add(i);
                involved.Add(j);
                var key = OrdinalText.Comparer.Compare(leftSplit, rightSplit) < 0 ? $"{leftSplit}/{rightSplit}" : $"{rightSplit}/{leftSplit}";
                bySplits[key] = bySplits.GetValueOrDefault(key) + 1;
            }
        }

        return new SplitLeakage(Threshold, pairs, involved.Count, rows.Length, [.. bySplits.Select(p => (p.Key, p.Value))], null);
    }
}
