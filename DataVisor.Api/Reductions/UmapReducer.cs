namespace DataVisor.Api.Reductions;

/// <summary>
/// UMAP as §6.10 fixes it (2 components, n_neighbors = min(15, max(2, n − 1)), min_dist 0.1, cosine metric,
/// seed 42), following umap-learn 0.5: exact cosine k-NN, fuzzy simplicial set, spectral start, then
/// negative-sampling SGD (<see cref="UmapLayout"/>). Every step is deterministic, so the same vectors always
/// give the same coordinates.
/// </summary>
/// <remarks>
/// The contract leaves umap-learn's other parameters free, and two differ from its defaults here, each for a
/// measured gain in trustworthiness (docs/PERFORMANCE.md, issue 6). <c>spread</c> is 3 instead of 1: with
/// min_dist fixed at 0.1 that gives the low-dimensional kernel heavier tails (b 0.83 instead of 0.90), which
/// resolves finer structure, as heavier tails do for t-SNE. And the layout runs more epochs: 1000 up to 10K
/// vertices and 700 above, where each epoch costs more (umap-learn: 500 and 200), because with the heavier
/// tails the layout keeps improving past umap-learn's counts.
/// </remarks>
public sealed class UmapReducer : IDimensionReducer
{
    public const int Seed = 42;
    public const double MinDist = 0.1;
    public const double Spread = 3.0;

    private const int SmallGraphVertices = 10_000;
    private const int SmallGraphEpochs = 1000;
    private const int LargeGraphEpochs = 700;
    private const int SpectralIterations = 300;

    private static readonly UmapCurve Curve = UmapCurve.Fit(MinDist, Spread);

    public string Method => "umap";

    public string DisplayName => "UMAP";

    public static int NeighbourCount(int count) => Math.Min(15, Math.Max(2, count - 1));

    public double[] Reduce(VectorSet vectors, CancellationToken cancellationToken)
    {
        var count = vectors.Count;
        if (count <= 1)
        {
            return new double[2 * count]; // a single point sits at the origin (§6.10)
        }

        // umap-learn's n_neighbors counts the point itself; the k-NN graph here does not.
        var neighbours = CosineNeighbours.Compute(vectors, NeighbourCount(count) - 1, cancellationToken);
        var epochs = count <= SmallGraphVertices ? SmallGraphEpochs : LargeGraphEpochs;
        var graph = UmapFuzzyGraph.Build(neighbours, epochs);
        var random = new UmapRandom(Seed);
        var embedding = InitialLayout(graph, vectors, ref random, cancellationToken);
        UmapLayout.Optimise(embedding, graph, Curve, epochs, Seed, cancellationToken);
        var coordinates = new double[2 * count];
        for (var i = 0; i < coordinates.Length; i++)
        {
            coordinates[i] = embedding[i];
        }

        return coordinates;
    }

    /// <summary>
    /// The spectral layout (per connected component, each in its own disc, as umap-learn's
    /// multi_component_layout) scaled so its largest coordinate is 10, jittered by N(0, 10⁻⁴) so that duplicates
    /// can separate, then stretched to [0, 10] per axis, as umap-learn does. Tiny graphs (n ≤ 3) have no
    /// two non-trivial eigenvectors; umap-learn falls back to uniform [−10, 10], and so does this.
    /// </summary>
    private static float[] InitialLayout(UmapFuzzyGraph graph, VectorSet vectors, ref UmapRandom random, CancellationToken cancellationToken)
    {
        var count = graph.VertexCount;
        double[] layout;
        if (count <= 3)
        {
            layout = new double[2 * count];
            for (var i = 0; i < layout.Length; i++)
            {
                layout[i] = 20 * random.NextDouble() - 10;
            }
        }
        else
        {
            var components = UmapComponents.Find(graph, vectors, ref random);
            layout = UmapSpectralInit.Compute(graph, components, SpectralIterations, ref random, cancellationToken);
            var largest = 0.0;
            foreach (var value in layout)
            {
                largest = Math.Max(largest, Math.Abs(value));
            }

            var expansion = largest > 0 ? 10 / largest : 1;
            for (var i = 0; i < layout.Length; i++)
            {
                layout[i] = (float)(layout[i] * expansion) + (float)(1e-4 * random.NextGaussian());
            }
        }

        var embedding = new float[2 * count];
        for (var axis = 0; axis < 2; axis++)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (var i = axis; i < layout.Length; i += 2)
            {
                min = Math.Min(min, layout[i]);
                max = Math.Max(max, layout[i]);
            }

            // All points on one line (e.g. every vector identical): keep them there instead of dividing by 0.
            var stretch = max > min ? 10 / (max - min) : 0;
            for (var i = axis; i < layout.Length; i += 2)
            {
                embedding[i] = (float)(stretch * (layout[i] - min));
            }
        }

        return embedding;
    }
}
