using System.Diagnostics;
using DataVisor.Api.Reductions;

namespace DataVisor.Tests.Reductions;

public sealed class TsneReducerTests
{
    private readonly TsneReducer _reducer = new();

    [Fact]
    public void Names_the_method_as_the_contract_does()
    {
        Assert.Equal("tsne", _reducer.Method);
        Assert.Equal("t-SNE", _reducer.DisplayName);
    }

    [Fact]
    public void Points_of_one_cluster_end_up_together_and_apart_from_the_others()
    {
        var (vectors, labels) = GaussianClusters(clusters: 6, pointsPerCluster: 60, dimension: 64, seed: 7);

        var layout = _reducer.Reduce(vectors, CancellationToken.None);

        Assert.Equal(2 * vectors.Count, layout.Length);
        Assert.All(layout, coordinate => Assert.True(double.IsFinite(coordinate)));
        var agreement = LayoutQuality.KnnClassAgreement(layout, labels, k: 10);
        Assert.True(agreement >= 0.95, $"10-NN class agreement in 2-D was {agreement:F3}");
        var separation = LayoutQuality.SeparationRatio(layout, labels);
        // Same-cluster pairs are on average at least three times closer than pairs across clusters.
        Assert.True(separation <= 1 / 3.0, $"separation ratio was {separation:F3}");
    }

    [Fact]
    public void Two_runs_on_the_same_input_give_bit_identical_coordinates()
    {
        var (vectors, _) = GaussianClusters(clusters: 4, pointsPerCluster: 150, dimension: 32, seed: 11);

        var first = _reducer.Reduce(vectors, CancellationToken.None);
        var second = _reducer.Reduce(vectors, CancellationToken.None);

        Assert.Equal(first.Select(BitConverter.DoubleToInt64Bits), second.Select(BitConverter.DoubleToInt64Bits));
        Assert.Contains(first, coordinate => coordinate != 0.0);
    }

    [Fact]
    public void No_vectors_give_no_coordinates_and_a_single_vector_maps_to_the_origin()
    {
        Assert.Empty(_reducer.Reduce(new VectorSet([], 0, 8), CancellationToken.None));
        Assert.Equal([0.0, 0.0], _reducer.Reduce(new VectorSet([1f, 2f, 3f], 1, 3), CancellationToken.None));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Tiny_sets_give_finite_distinct_points(int count)
    {
        var (vectors, _) = GaussianClusters(clusters: count, pointsPerCluster: 1, dimension: 16, seed: 3);

        var layout = _reducer.Reduce(vectors, CancellationToken.None);

        Assert.Equal(2 * count, layout.Length);
        Assert.All(layout, coordinate => Assert.True(double.IsFinite(coordinate)));
        for (var first = 0; first < count; first++)
        {
            for (var second = first + 1; second < count; second++)
            {
                Assert.True(Distance(layout, first, second) > 0.0, $"points {first} and {second} coincide");
            }
        }
    }

    [Fact]
    public void Identical_vectors_stay_together_at_the_origin()
    {
        var values = Enumerable.Repeat(new[] { 0.5f, -1f, 2f, 0f }, 5).SelectMany(row => row).ToArray();

        var layout = _reducer.Reduce(new VectorSet(values, 5, 4), CancellationToken.None);

        Assert.Equal(new double[10], layout);
    }

    [Fact]
    public void A_cancelled_token_stops_the_reduction_promptly()
    {
        var (vectors, _) = GaussianClusters(clusters: 10, pointsPerCluster: 400, dimension: 64, seed: 5);
        using var cancellation = new CancellationTokenSource();
        // The cancel time is taken on the token itself, so a slow test host does not count the wait
        // before the cancel against the reducer.
        var cancelledAt = 0L;
        using var registration = cancellation.Token.Register(() => Interlocked.Exchange(ref cancelledAt, Stopwatch.GetTimestamp()));
        // Cancelled from a thread of its own: CancelAfter's timer callback needs a thread-pool thread, and with
        // the reducer's workers and other test classes busy it once fired only after the reduction had ended.
        var canceller = new Thread(() =>
        {
            Thread.Sleep(300);
            cancellation.Cancel();
        }) { IsBackground = true };
        canceller.Start();

        OperationCanceledException thrown;
        try
        {
            thrown = Assert.ThrowsAny<OperationCanceledException>(() => _reducer.Reduce(vectors, cancellation.Token));
        }
        finally
        {
            canceller.Join(); // before the source is disposed, whatever the outcome
        }

        Assert.Equal(cancellation.Token, thrown.CancellationToken);
        var ranOnFor = Stopwatch.GetElapsedTime(Interlocked.Read(ref cancelledAt));
        // A single iteration at this size is milliseconds; the bound leaves room for a loaded 2-core test host
        // running other test classes beside this one (2 s was seen to fail there once).
        Assert.True(ranOnFor < TimeSpan.FromSeconds(5), $"the reduction ran on for {ranOnFor.TotalMilliseconds:F0} ms after the cancel");
    }

    [Fact]
    public void An_already_cancelled_token_throws_before_any_work()
    {
        var (vectors, _) = GaussianClusters(clusters: 2, pointsPerCluster: 20, dimension: 8, seed: 1);

        Assert.ThrowsAny<OperationCanceledException>(() => _reducer.Reduce(vectors, new CancellationToken(canceled: true)));
    }

    /// <summary>Well-separated Gaussian clusters: random directions scaled to norm 10, unit-variance noise
    /// of 0.3 per coordinate, rows shuffled so a cluster is not a contiguous block.</summary>
    internal static (VectorSet Vectors, int[] Labels) GaussianClusters(int clusters, int pointsPerCluster, int dimension, int seed)
    {
        var random = new Random(seed);
        var centres = new double[clusters][];
        for (var cluster = 0; cluster < clusters; cluster++)
        {
            var centre = Enumerable.Range(0, dimension).Select(_ => Normal(random)).ToArray();
            var norm = Math.Sqrt(centre.Sum(value => value * value));
            centres[cluster] = [.. centre.Select(value => value * 10.0 / norm)];
        }

        var count = clusters * pointsPerCluster;
        var labels = Enumerable.Range(0, count).Select(row => row % clusters).ToArray();
        random.Shuffle(labels);
        var values = new float[count * dimension];
        for (var row = 0; row < count; row++)
        {
            for (var column = 0; column < dimension; column++)
            {
                values[row * dimension + column] = (float)(centres[labels[row]][column] + 0.3 * Normal(random));
            }
        }

        return (new VectorSet(values, count, dimension), labels);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    private static double Distance(double[] layout, int first, int second)
    {
        var dx = layout[2 * first] - layout[2 * second];
        var dy = layout[2 * first + 1] - layout[2 * second + 1];
        return Math.Sqrt(dx * dx + dy * dy);
    }
}
