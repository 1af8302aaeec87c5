using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Api.Reductions;

/// <summary>
/// R25's <c>pca</c> (§6.10): the centred vectors projected on the two eigenvectors of their covariance with
/// the largest eigenvalues. The d × d covariance and its eigendecomposition run in double precision, so the
/// layout matches scikit-learn's PCA to 1e-4 up to sign; <c>torch.linalg.eigh</c> on a 512 × 512 matrix is
/// a few milliseconds, so the cost is the passes over the rows.
/// </summary>
internal sealed class PcaReducer : IDimensionReducer
{
    // An eigenvalue this small relative to the largest is rounding noise (n = 2 has rank 1): its direction is
    // arbitrary, so its coordinate is reported as 0 rather than as noise that would differ between machines.
    private const double DegenerateEigenvalue = 1e-10;

    // Rows are widened to double a block at a time: 100k × 512 vectors in double would be 400 MB at once.
    private const int BlockRows = 8192;

    public string Method => "pca";

    public string DisplayName => "PCA";

    public double[] Reduce(VectorSet vectors, CancellationToken cancellationToken)
    {
        var count = vectors.Count;
        var dimension = vectors.Dimension;
        var layout = new double[2 * count];
        if (count < 2 || dimension == 0)
        {
            return layout;
        }

        _ = TorchRuntime.Version;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Partial sums of each block are added up in managed arrays, so no tensor crosses a block's dispose scope.
        var sum = new double[dimension];
        // The dimension as an array: a bare literal 0 converts to ScalarType and would pick sum(dtype).
        ForEachBlock(vectors, cancellationToken, (_, block) => Accumulate(sum, block.sum(new long[] { 0 }, keepdim: false)));
        var mean = tensor(sum, ScalarType.Float64) / count;

        var scatter = new double[dimension * dimension];
        ForEachBlock(vectors, cancellationToken, (_, block) =>
        {
            var centred = block - mean;
            Accumulate(scatter, centred.t().matmul(centred));
        });
        var covariance = tensor(scatter, [dimension, dimension], ScalarType.Float64) / (count - 1);

        var loadings = tensor(TopLoadings(covariance, dimension), [2, dimension], ScalarType.Float64).t();
        ForEachBlock(vectors, cancellationToken, (start, block) =>
            (block - mean).matmul(loadings).contiguous().data<double>().CopyTo(layout, 2 * start));
        return layout;
    }

    private static void Accumulate(double[] total, Tensor part)
    {
        var values = part.contiguous().data<double>();
        for (var index = 0; index < total.Length; index++)
        {
            total[index] += values[index];
        }
    }

    /// <summary>The top two eigenvectors as rows (zeros for a degenerate one), each signed by §6.10's rule.</summary>
    private static double[] TopLoadings(Tensor covariance, int dimension)
    {
        // eigh returns eigenvalues in ascending order with the eigenvectors as columns.
        var (eigenvalues, eigenvectors) = linalg.eigh(covariance);
        var values = eigenvalues.data<double>().ToArray();
        var largest = values[^1];
        var loadings = new double[2 * dimension];
        for (var component = 0; component < Math.Min(2, dimension); component++)
        {
            var column = dimension - 1 - component;
            if (largest <= 0 || values[column] <= DegenerateEigenvalue * largest)
            {
                continue;
            }

            var loading = eigenvectors.select(1, column).contiguous().data<double>().ToArray();
            OrientByLargestLoading(loading);
            loading.CopyTo(loadings, component * dimension);
        }

        return loadings;
    }

    /// <summary>Hands each block of rows to <paramref name="work"/> as a double tensor, in row order.</summary>
    private static void ForEachBlock(VectorSet vectors, CancellationToken cancellationToken, Action<int, Tensor> work)
    {
        for (var start = 0; start < vectors.Count; start += BlockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(BlockRows, vectors.Count - start);
            using var blockScope = NewDisposeScope();
            var values = vectors.Values.AsSpan(start * vectors.Dimension, rows * vectors.Dimension).ToArray();
            work(start, tensor(values, [rows, vectors.Dimension], ScalarType.Float32).to_type(ScalarType.Float64));
        }
    }

    /// <summary>§6.10's sign rule: the largest-magnitude loading is positive (the first such on a tie).</summary>
    private static void OrientByLargestLoading(double[] loading)
    {
        var strongest = 0;
        for (var index = 1; index < loading.Length; index++)
        {
            if (Math.Abs(loading[index]) > Math.Abs(loading[strongest]))
            {
                strongest = index;
            }
        }

        if (loading[strongest] < 0)
        {
            for (var index = 0; index < loading.Length; index++)
            {
                loading[index] = -loading[index];
            }
        }
    }
}
