using DataVisor.Api.Reductions;

namespace DataVisor.Tests.Reductions;

/// <summary>Synthetic embeddings with known classes for the reduction tests (PCA, t-SNE, UMAP).</summary>
public static class ClusteredVectors
{
    /// <summary>
    /// <paramref name="clusters"/> groups of <paramref name="perCluster"/> vectors: class c is 4·e_c plus
    /// Gaussian noise of <paramref name="noise"/> per axis, rows grouped by class. The classes differ in
    /// direction as well as position, so they are well separated under both Euclidean and cosine distance;
    /// three classes span exactly a plane after centring, so even PCA keeps them apart.
    /// </summary>
    public static (VectorSet Vectors, int[] Labels) Generate(int clusters, int perCluster, int dimension, double noise, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clusters, dimension);
        var random = new Random(seed);
        var count = clusters * perCluster;
        var values = new float[count * dimension];
        var labels = new int[count];
        for (var row = 0; row < count; row++)
        {
            labels[row] = row / perCluster;
            for (var axis = 0; axis < dimension; axis++)
            {
                values[row * dimension + axis] = (float)((axis == labels[row] ? 4.0 : 0.0) + noise * Gaussian(random));
            }
        }

        return (new VectorSet(values, count, dimension), labels);
    }

    /// <summary>A standard normal sample (Box-Muller), so the data depends on the seed only.</summary>
    public static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
