using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Api.Reductions;

/// <summary>
/// R25's <c>pca</c> (§6.10): the centred vectors projected on the two eigenvectors of their covariance with
/// the largest eigenvalues. The d × d covariance and its eigendecomposition run in double precision, so the
/// layout matches scikit-learn's PCA to 1e-4 up to sign; <c>torch.linalg.eigh</c> on a 512 × 512 matrix is
/// a few milliseconds, so the cost is the one pass that forms the covariance.
/// </summary>
internal sealed class PcaReducer : IDimensionReducer
{
    // An eigenvalue this small relative to the largest is rounding noise (n = 2 has rank 1): its direction is
    // arbitrary, so its coordinate is reported as 0 rather than as noise that would differ between machines.
    private const double DegenerateEigenvalue = 1e-10;

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

        cancellationToken.ThrowIfCancellationRequested();
        _ = TorchRuntime.Version;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var centred = tensor(vectors.Values, [count, dimension], ScalarType.Float32).to_type(ScalarType.Float64);
        centred = centred - centred.mean([0], keepdim: true);
        var covariance = centred.t().matmul(centred) / (count - 1);
        cancellationToken.ThrowIfCancellationRequested();
        // eigh returns eigenvalues in ascending order with the eigenvectors as columns.
        var (eigenvalues, eigenvectors) = linalg.eigh(covariance);
        var values = eigenvalues.data<double>().ToArray();
        var components = Math.Min(2, dimension);
        var largest = Math.Max(values[^1], 0);
        var loadings = new double[2 * dimension];
        for (var component = 0; component < components; component++)
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

        // loadings holds the components as rows; the projection is centred · loadingsᵀ.
        var projected = centred.matmul(tensor(loadings, [2, dimension], ScalarType.Float64).t()).contiguous();
        projected.data<double>().CopyTo(layout, 0);
        return layout;
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
