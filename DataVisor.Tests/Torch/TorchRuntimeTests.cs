using DataVisor.Api.Torch;

namespace DataVisor.Tests.Torch;

/// <summary>
/// libtorch must really load on this host (Debian 12's libstdc++ needs the build's native fix) and compute
/// through the API's own code.
/// </summary>
public sealed class TorchRuntimeTests
{
    [Fact]
    public void LibtorchLoadsAndReportsItsVersion() =>
        Assert.StartsWith("2.", TorchRuntime.Version);

    [Fact]
    public void NormalizeRowsScalesEveryRowToUnitLength()
    {
        float[] values = [3, 4, 0, 0, 0, 0, 1, 2, 2];

        var normalised = TorchRuntime.NormalizeRows(values, rows: 3, dimensions: 3);

        Assert.Equal([0.6f, 0.8f, 0f, 0f, 0f, 0f, 1f / 3, 2f / 3, 2f / 3], normalised, new ToleranceComparer(1e-6f));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
