using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Api.Reductions;

/// <summary>
/// The top-two principal component scores that seed t-SNE: the centred vectors projected on the two
/// leading eigenvectors of their covariance (libtorch <c>linalg.eigh</c> in double precision), each
/// component's sign chosen so that its largest-magnitude loading is positive (§6.10's PCA convention).
/// </summary>
// REVIEW: PcaReducer computes the same projection for R25's `pca`; the two should share this at merge.
internal static class TsnePrincipalComponents
{
    /// <summary>Scores as x, y interleaved, one pair per row; a missing second component scores 0.</summary>
    public static double[] Project(VectorSet vectors)
    {
        var count = vectors.Count;
        var dimension = vectors.Dimension;
        var scores = new double[2 * count];
        if (count < 2 || dimension == 0)
        {
            return scores;
        }

        _ = TorchRuntime.Version;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var centred = tensor(vectors.Values, [count, dimension], ScalarType.Float32).to_type(ScalarType.Float64);
        centred -= centred.mean([0], keepdim: true);
        var covariance = centred.t().matmul(centred) / (count - 1);
        // Eigenvalues come back ascending: the leading components are the last columns.
        var (_, eigenvectors) = linalg.eigh(covariance);
        var components = Math.Min(2, dimension);
        var leading = eigenvectors.narrow(1, dimension - components, components).flip(1);
        var largest = leading.abs().argmax(0, keepdim: true);
        var signs = leading.gather(0, largest).sign();
        // An all-zero component has sign 0; keep it as it is rather than zeroing it twice.
        signs = where(signs == 0, ones_like(signs), signs);
        var projected = centred.matmul(leading * signs).contiguous().data<double>().ToArray();
        for (var row = 0; row < count; row++)
        {
            for (var component = 0; component < components; component++)
            {
                scores[2 * row + component] = projected[row * components + component];
            }
        }

        return scores;
    }
}
