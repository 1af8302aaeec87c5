namespace DataVisor.Api.Reductions;

/// <summary>
/// R25's <c>tsne</c> (§6.10): Barnes–Hut t-SNE as scikit-learn 1.2 runs it with <c>metric='cosine'</c>,
/// <c>init='pca'</c>: perplexity min(30, max(1, n − 1)) calibrated on the exact k = min(n − 1, 3·perplexity + 1)
/// cosine neighbours, the PCA scores scaled to a first-column standard deviation of 1e-4 as the start, then
/// <see cref="TsneGradientDescent"/>. Nothing is random, so "seed 42" has nothing to seed, and every
/// parallel step writes per-point slots reduced in a fixed order: the same input gives the same bits.
/// </summary>
public sealed class TsneReducer : IDimensionReducer
{
    private const double MaxPerplexity = 30.0;
    private const double InitialStandardDeviation = 1e-4;

    public string Method => "tsne";

    public string DisplayName => "t-SNE";

    public double[] Reduce(VectorSet vectors, CancellationToken cancellationToken)
    {
        var count = vectors.Count;
        if (count <= 1)
        {
            return new double[2 * count];
        }

        // n − 1 is always below n, so the contract's "kept below n" holds for every n ≥ 2.
        var perplexity = Math.Min(MaxPerplexity, Math.Max(1.0, count - 1));
        var neighbours = Math.Min(count - 1, (int)(3.0 * perplexity + 1.0));
        var graph = CosineNeighbours.Compute(vectors, neighbours, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var affinities = TsneAffinities.FromNeighbours(graph, perplexity);
        var positions = InitialLayout(vectors, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        TsneGradientDescent.Optimise(positions, affinities, cancellationToken);
        return positions;
    }

    private static double[] InitialLayout(VectorSet vectors, CancellationToken cancellationToken)
    {
        // The same top-two principal components that R25's `pca` serves, so both follow §6.10's sign rule.
        var positions = new PcaReducer().Reduce(vectors, cancellationToken);
        var count = vectors.Count;
        var mean = 0.0;
        for (var row = 0; row < count; row++)
        {
            mean += positions[2 * row];
        }

        mean /= count;
        var variance = 0.0;
        for (var row = 0; row < count; row++)
        {
            var deviation = positions[2 * row] - mean;
            variance += deviation * deviation;
        }

        // Identical vectors have no principal direction: they start (and stay) at the origin together.
        var deviationOfFirst = Math.Sqrt(variance / count);
        if (deviationOfFirst > 0.0 && double.IsFinite(deviationOfFirst))
        {
            var scale = InitialStandardDeviation / deviationOfFirst;
            for (var coordinate = 0; coordinate < positions.Length; coordinate++)
            {
                positions[coordinate] *= scale;
            }
        }
        else
        {
            Array.Clear(positions);
        }

        return positions;
    }
}
