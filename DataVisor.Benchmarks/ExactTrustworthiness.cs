using DataVisor.Api.Reductions;
using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Benchmarks;

/// <summary>
/// scikit-learn 1.2's <c>trustworthiness</c> (cosine metric) over every point, computed in row blocks with
/// libtorch. scikit-learn's own function holds an n × n distance matrix and its argsort (~40 GB at 50K
/// points), and Debian's NumPy multiplies with the reference BLAS (~2 GFLOP/s here), so a subsample was
/// all it could score at 50K; a 10K subsample of 50K points makes k = 10 mean roughly the 50 nearest.
/// </summary>
/// <remarks>
/// A 2-D neighbour j of point i costs max(0, r(i, j) − k), where r(i, j) = 1 + the number of points strictly
/// nearer to i than j in the input space (i itself excluded). scikit-learn ranks with an argsort whose order
/// among exactly equal distances is arbitrary; counting strictly nearer points differs from it only for
/// duplicate vectors. The benchmark prints both scores wherever scikit-learn can run, as a check.
/// </remarks>
internal static class ExactTrustworthiness
{
    private const int RowsPerBlock = 256;

    public static double Score(VectorSet vectors, double[] layout, int k = 10)
    {
        _ = TorchRuntime.Version;
        var count = vectors.Count;
        var embedded = LayoutNeighbours(layout, count, k);
        using var noGrad = no_grad();
        using var unit = tensor(TorchRuntime.NormalizeRows(vectors.Values, count, vectors.Dimension), [count, vectors.Dimension], ScalarType.Float32);
        long penalty = 0;
        for (var start = 0; start < count; start += RowsPerBlock)
        {
            var rows = Math.Min(RowsPerBlock, count - start);
            using var scope = NewDisposeScope();
            var distances = 1f - unit.narrow(0, start, rows).matmul(unit.t());
            var selfColumns = arange(start, start + rows, dtype: ScalarType.Int64).unsqueeze(1);
            distances.scatter_(1, selfColumns, full([rows, 1], float.PositiveInfinity, ScalarType.Float32));
            var neighbourDistances = distances.gather(1, embedded.narrow(0, start, rows));
            var nearer = distances.unsqueeze(1).lt(neighbourDistances.unsqueeze(2)).sum(2, type: ScalarType.Int64);
            penalty += (nearer + 1 - k).clamp_min(0).sum().item<long>();
        }

        embedded.Dispose();
        return 1.0 - penalty * (2.0 / ((double)count * k * (2.0 * count - 3.0 * k - 1.0)));
    }

    /// <summary>The k nearest other points of each point in 2-D (Euclidean), as scikit-learn's NearestNeighbors finds them.</summary>
    private static Tensor LayoutNeighbours(double[] layout, int count, int k)
    {
        using var noGrad = no_grad();
        using var points = tensor(layout, [count, 2], ScalarType.Float64);
        using var squaredNorms = points.pow(2).sum(1);
        var neighbours = new List<Tensor>();
        for (var start = 0; start < count; start += RowsPerBlock)
        {
            var rows = Math.Min(RowsPerBlock, count - start);
            using var scope = NewDisposeScope();
            var block = points.narrow(0, start, rows);
            var squared = squaredNorms.narrow(0, start, rows).unsqueeze(1) + squaredNorms.unsqueeze(0) - 2 * block.matmul(points.t());
            var selfColumns = arange(start, start + rows, dtype: ScalarType.Int64).unsqueeze(1);
            squared.scatter_(1, selfColumns, full([rows, 1], double.PositiveInfinity, ScalarType.Float64));
            neighbours.Add(squared.topk(k, dim: 1, largest: false, sorted: true).indexes.MoveToOuterDisposeScope());
        }

        var all = cat(neighbours, 0);
        neighbours.ForEach(block => block.Dispose());
        return all;
    }
}
