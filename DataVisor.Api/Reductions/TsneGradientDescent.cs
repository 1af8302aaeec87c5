namespace DataVisor.Api.Reductions;

/// <summary>
/// scikit-learn 1.2's optimisation schedule for Barnes–Hut t-SNE: 250 iterations with P exaggerated 12×
/// and momentum 0.5, then 750 with momentum 0.8, each phase starting with fresh updates and gains; the
/// learning rate is 'auto' (n / 12 / 4, at least 50); per-coordinate gains grow by 0.2 while the gradient
/// keeps its sign against the update and shrink by 0.8 otherwise, never below 0.01.
/// </summary>
/// <remarks>
/// scikit-learn also stops early when the KL divergence, checked every 50 iterations, has not improved for
/// 300 iterations. Its layouts almost always run the full 1000; a fixed count keeps ours simple and makes
/// the run time depend on n only.
/// </remarks>
internal static class TsneGradientDescent
{
    public const int ExplorationIterations = 250;
    public const int TotalIterations = 1000;
    public const double EarlyExaggeration = 12.0;
    private const double Theta = 0.5;
    private const double ExplorationMomentum = 0.5;
    private const double FinalMomentum = 0.8;
    private const double MinGain = 0.01;
    private const int PointsPerSlice = 512;

    /// <summary>Optimises <paramref name="positions"/> (x, y interleaved) in place.</summary>
    public static void Optimise(double[] positions, TsneAffinities affinities, CancellationToken cancellationToken)
    {
        var count = affinities.Count;
        var learningRate = Math.Max(count / EarlyExaggeration / 4.0, 50.0);
        var gradient = new double[2 * count];
        var update = new double[2 * count];
        var gains = new double[2 * count];
        var repulsion = new double[2 * count];
        var partialZ = new double[count];
        var tree = new TsneQuadTree(count);
        for (var iteration = 0; iteration < TotalIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var exploring = iteration < ExplorationIterations;
            if (iteration == 0 || iteration == ExplorationIterations)
            {
                Array.Clear(update);
                Array.Fill(gains, 1.0);
            }

            tree.Build(positions);
            var z = tree.Repulsion(Theta * Theta, repulsion, partialZ, cancellationToken);
            Gradient(positions, affinities, exploring ? EarlyExaggeration : 1.0, repulsion, z, gradient);
            var momentum = exploring ? ExplorationMomentum : FinalMomentum;
            for (var coordinate = 0; coordinate < gradient.Length; coordinate++)
            {
                var gain = update[coordinate] * gradient[coordinate] < 0.0 ? gains[coordinate] + 0.2 : gains[coordinate] * 0.8;
                gain = Math.Max(gain, MinGain);
                gains[coordinate] = gain;
                update[coordinate] = momentum * update[coordinate] - learningRate * gain * gradient[coordinate];
                positions[coordinate] += update[coordinate];
            }
        }
    }

    /// <summary>
    /// dC/dy_i = 4 (Σ_j p_ij q_ij (y_i − y_j) − Σ_j q_ij² (y_i − y_j) / Z), the attractive part exact over
    /// the sparse P, the repulsive part from the tree.
    /// </summary>
    private static void Gradient(double[] positions, TsneAffinities affinities, double exaggeration, double[] repulsion, double z, double[] gradient)
    {
        var count = affinities.Count;
        // Z is 0 only when every point sits on its own coincident leaf: then nothing repels at all.
        var inverseZ = z > 0.0 ? 1.0 / z : 0.0;
        var slices = (count + PointsPerSlice - 1) / PointsPerSlice;
        Parallel.For(0, slices, slice =>
        {
            var end = Math.Min(count, (slice + 1) * PointsPerSlice);
            for (var point = slice * PointsPerSlice; point < end; point++)
            {
                var x = positions[2 * point];
                var y = positions[2 * point + 1];
                double attractionX = 0, attractionY = 0;
                for (var entry = affinities.RowStart[point]; entry < affinities.RowStart[point + 1]; entry++)
                {
                    var neighbour = affinities.Columns[entry];
                    var dx = x - positions[2 * neighbour];
                    var dy = y - positions[2 * neighbour + 1];
                    var weight = affinities.Values[entry] / (1.0 + dx * dx + dy * dy);
                    attractionX += weight * dx;
                    attractionY += weight * dy;
                }

                gradient[2 * point] = 4.0 * (exaggeration * attractionX - repulsion[2 * point] * inverseZ);
                gradient[2 * point + 1] = 4.0 * (exaggeration * attractionY - repulsion[2 * point + 1] * inverseZ);
            }
        });
    }
}
