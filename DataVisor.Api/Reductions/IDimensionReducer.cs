namespace DataVisor.Api.Reductions;

/// <summary>
/// n vectors of one dimension as a row-major matrix, in ordinal order of sample id (§6.10). The values are
/// the stored embeddings as generated (not normalised): PCA centres them, the cosine methods normalise.
/// </summary>
public sealed record VectorSet(float[] Values, int Count, int Dimension)
{
    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Dimension, Dimension);
}

/// <summary>
/// One method of R25 (§6.10). Implementations are pure computations: no HTTP, no storage. They must be
/// deterministic (the same input gives bit-identical output, whatever the thread timing) and check the
/// token between iterations so a cancellation (X2) lands within about a second.
/// </summary>
public interface IDimensionReducer
{
    /// <summary>The wire name of the method: <c>umap</c>, <c>tsne</c> or <c>pca</c>.</summary>
    string Method { get; }

    /// <summary>The name used in progress messages: <c>UMAP</c>, <c>t-SNE</c> or <c>PCA</c>.</summary>
    string DisplayName { get; }

    /// <summary>
    /// The 2-D layout: <c>result[2 * i]</c> and <c>result[2 * i + 1]</c> are x and y of row i. A single row
    /// maps to (0, 0).
    /// </summary>
    double[] Reduce(VectorSet vectors, CancellationToken cancellationToken);
}
