using TorchSharp;
using static TorchSharp.torch;

namespace DataVisor.Api.Torch;

/// <summary>
/// Initialises libtorch once with a deliberate thread count. Every tensor computation in the service goes
/// through here first, so a host where the native library cannot load fails with one clear message.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<string> Initialised = new(Initialise, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The libtorch version in use, loading it on first call.</summary>
    public static string Version => Initialised.Value;

    private static string Initialise()
    {
        // Intra-op threads default to the core count; pinning it keeps request threads and image
        // decoding from competing with an oversubscribed libtorch pool.
        torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));
        return torch.__version__;
    }

    /// <summary>
    /// Scales each row of a row-major <paramref name="rows"/> x <paramref name="dimensions"/> matrix to unit
    /// L2 norm (rows of zeros stay zero). Used for cosine similarity over embedding vectors.
    /// </summary>
    public static float[] NormalizeRows(ReadOnlySpan<float> values, int rows, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(values.Length, rows * dimensions);
        _ = Version;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var matrix = tensor(values.ToArray(), [rows, dimensions], ScalarType.Float32);
        var norms = matrix.norm(dim: 1, keepdim: true).clamp_min(1e-12);
        return (matrix / norms).data<float>().ToArray();
    }
}
