namespace DataVisor.Api.Reductions;

/// <summary>
/// A seeded xorshift64* stream: UMAP's results must not depend on the framework's <see cref="Random"/>
/// implementation or on thread timing, so every random draw of a run comes from one of these, in a fixed order.
/// </summary>
public struct UmapRandom
{
    private ulong _state;

    public UmapRandom(ulong seed)
    {
        // SplitMix64 of the seed, so small seeds still start from a well-mixed, non-zero state.
        var z = seed + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        _state = (z ^ (z >> 31)) | 1;
    }

    public ulong NextUInt64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>A value in [0, <paramref name="bound"/>) by multiply-shift (no division, negligible bias).</summary>
    public int NextInt(int bound) => (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);

    /// <summary>A value in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A standard normal draw (Box–Muller, one value per call).</summary>
    public double NextGaussian()
    {
        var u = 1 - NextDouble();
        var v = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
