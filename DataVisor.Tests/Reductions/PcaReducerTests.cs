using DataVisor.Api.Reductions;

namespace DataVisor.Tests.Reductions;

/// <summary>§6.10's PCA against an independent reference and closed-form cases.</summary>
public sealed class PcaReducerTests
{
    private readonly PcaReducer _pca = new();

    [Fact]
    public void Matches_a_power_iteration_reference_on_correlated_data()
    {
        // 300 points in 12-d with variances 36, 9, 1 (then 0.04) along a random orthonormal basis, so the
        // covariance is dense and the top two eigenvalues are well apart from each other and the rest.
        var random = new Random(7);
        const int count = 300, dimension = 12;
        var basis = RandomOrthonormalBasis(random, dimension);
        double[] scales = [6, 3, 1, .. Enumerable.Repeat(0.2, dimension - 3)];
        var values = new float[count * dimension];
        for (var row = 0; row < count; row++)
        {
            var latent = scales.Select(scale => scale * ClusteredVectors.Gaussian(random)).ToArray();
            for (var axis = 0; axis < dimension; axis++)
            {
                double value = 5; // an offset the centring must remove
                for (var k = 0; k < dimension; k++)
                {
                    value += latent[k] * basis[k][axis];
                }

                values[row * dimension + axis] = (float)value;
            }
        }

        var vectors = new VectorSet(values, count, dimension);
        var layout = _pca.Reduce(vectors, CancellationToken.None);
        var reference = PcaReference.Project(vectors);
        Assert.Equal(2 * count, layout.Length);
        for (var index = 0; index < layout.Length; index++)
        {
            Assert.True(Math.Abs(layout[index] - reference[index]) < 1e-4, $"value {index}: {layout[index]} vs {reference[index]}");
        }

        // The first component carries the most variance: its coordinates spread about twice as wide.
        Assert.True(StandardDeviation(layout, 0) > 1.5 * StandardDeviation(layout, 1));
    }

    [Fact]
    public void Many_rows_are_reduced_block_by_block_to_the_same_answer()
    {
        // 20,000 rows span three 8192-row blocks; a large offset makes a wrong mean show at once.
        var random = new Random(19);
        const int count = 20_000, dimension = 6;
        var values = new float[count * dimension];
        for (var row = 0; row < count; row++)
        {
            var (major, minor) = (5 * ClusteredVectors.Gaussian(random), 2 * ClusteredVectors.Gaussian(random));
            for (var axis = 0; axis < dimension; axis++)
            {
                values[row * dimension + axis] = (float)(100 + major * (axis % 2 == 0 ? 0.6 : -0.2) + minor * (axis < 3 ? 0.5 : -0.3) + 0.1 * ClusteredVectors.Gaussian(random));
            }
        }

        var vectors = new VectorSet(values, count, dimension);
        var layout = _pca.Reduce(vectors, CancellationToken.None);
        var reference = PcaReference.Project(vectors, iterations: 500);
        Assert.True(layout.Zip(reference).Max(pair => Math.Abs(pair.First - pair.Second)) < 1e-4);
    }

    [Fact]
    public void Points_on_a_line_project_onto_it_with_a_zero_second_coordinate()
    {
        // Centred: (-1, -2), (0, 0), (1, 2); the component is (1, 2)/√5, its largest loading positive.
        var layout = _pca.Reduce(new VectorSet([0, 0, 1, 2, 2, 4], 3, 2), CancellationToken.None);
        var root5 = Math.Sqrt(5);
        AssertClose([-root5, 0, 0, 0, root5, 0], layout);

        // Flipping the data does not flip the layout's orientation rule: the loading is (-1, -2)/√5 negated.
        var mirrored = _pca.Reduce(new VectorSet([0, 0, -1, -2, -2, -4], 3, 2), CancellationToken.None);
        AssertClose([root5, 0, 0, 0, -root5, 0], mirrored);
    }

    [Fact]
    public void One_point_is_the_origin_and_two_points_lie_on_the_first_axis()
    {
        Assert.Equal([0.0, 0.0], _pca.Reduce(new VectorSet([3, 1, 4], 1, 3), CancellationToken.None));
        var two = _pca.Reduce(new VectorSet([1, 1, 1, 3, 1, 1], 2, 3), CancellationToken.None);
        AssertClose([-1, 0, 1, 0], two);
        Assert.Equal([0.0, 0.0], _pca.Reduce(new VectorSet([2], 1, 1), CancellationToken.None));
        AssertClose([-0.5, 0, 0.5, 0], _pca.Reduce(new VectorSet([2, 3], 2, 1), CancellationToken.None));
    }

    [Fact]
    public void Separates_three_clusters_and_is_deterministic()
    {
        var (vectors, labels) = ClusteredVectors.Generate(clusters: 3, perCluster: 40, dimension: 16, noise: 0.25, seed: 3);
        var layout = _pca.Reduce(vectors, CancellationToken.None);
        Assert.Equal(layout, _pca.Reduce(vectors, CancellationToken.None));
        Assert.True(LayoutQuality.SeparationRatio(layout, labels) < 0.3);
        Assert.Equal(1.0, LayoutQuality.KnnClassAgreement(layout, labels, 5));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var index = 0; index < expected.Length; index++)
        {
            Assert.True(Math.Abs(expected[index] - actual[index]) < 1e-6, $"value {index}: expected {expected[index]}, got {actual[index]}");
        }
    }

    private static double StandardDeviation(double[] layout, int axis)
    {
        var values = Enumerable.Range(0, layout.Length / 2).Select(row => layout[2 * row + axis]).ToArray();
        var mean = values.Average();
        return Math.Sqrt(values.Sum(value => (value - mean) * (value - mean)) / values.Length);
    }

    private static double[][] RandomOrthonormalBasis(Random random, int dimension)
    {
        var basis = new double[dimension][];
        for (var k = 0; k < dimension; k++)
        {
            var vector = Enumerable.Range(0, dimension).Select(_ => ClusteredVectors.Gaussian(random)).ToArray();
            for (var previous = 0; previous < k; previous++)
            {
                var dot = vector.Zip(basis[previous]).Sum(pair => pair.First * pair.Second);
                for (var axis = 0; axis < dimension; axis++)
                {
                    vector[axis] -= dot * basis[previous][axis];
                }
            }

            var norm = Math.Sqrt(vector.Sum(item => item * item));
            basis[k] = [.. vector.Select(item => item / norm)];
        }

        return basis;
    }
}
