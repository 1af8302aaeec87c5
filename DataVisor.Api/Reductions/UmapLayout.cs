using System.Runtime.Intrinsics;

namespace DataVisor.Api.Reductions;

/// <summary>
/// UMAP's layout optimisation (umap-learn's <c>optimize_layout_euclidean</c>): stochastic gradient descent
/// over the graph's edges, each sampled in proportion to its weight, with negative samples drawn uniformly,
/// a learning rate decaying linearly from 1 and every gradient component clipped to ±4.
/// </summary>
/// <remarks>
/// <para>
/// umap-learn runs edges in parallel without locks, so its result depends on thread timing. Here the vertices
/// are split into a fixed number of contiguous blocks (a function of n only, never of the core count) and
/// the blocks of one epoch run in parallel: a block moves only its own vertices, reads its own vertices live
/// and every other vertex as it stood at the start of the epoch, and draws negative samples from a stream
/// seeded by (seed, epoch, block). Nothing a thread reads is written concurrently, so the coordinates are
/// bit-identical whatever the timing. Because a block cannot move a neighbour in another block, an edge
/// moves only its head; each edge is stored in both directions, so the pair still attracts from both ends,
/// and the head takes both halves of the pull (the step is doubled) as umap-learn's two updates would give it.
/// </para>
/// <para>
/// The balance of attraction and repulsion is where this departs from umap-learn's defaults (the contract
/// leaves both free): more repulsion moves UMAP along the attraction–repulsion spectrum towards t-SNE's
/// local fidelity (Böhm, Berens, Kobak 2022). So every positive sample draws <see cref="NegativeSamplesPerPositive"/>
/// negatives (umap-learn: 5), and after the first <see cref="LateRepulsionFrom"/> of the epochs their
/// weight rises from 1 to <see cref="LateRepulsionStrength"/> — the clusters form under UMAP's own balance
/// first, as t-SNE's early exaggeration lets them, since strong repulsion from the start scatters a few
/// points into the wrong cluster. docs/PERFORMANCE.md has the measurements behind the numbers.
/// </para>
/// </remarks>
public static class UmapLayout
{
    private const int NegativeSamplesPerPositive = 10;
    private const float LateRepulsionStrength = 8f; // umap-learn's gamma, 1 before LateRepulsionFrom
    private const float LateRepulsionFrom = 0.25f;
    private const float GradientClip = 4f;
    private const float InitialLearningRate = 1f;
    private const int MaxBlocks = 8;
    private const int MinVerticesPerBlock = 256;

    // At most one worker per core: the request threads that serve progress and cancel share the pool.
    private static readonly ParallelOptions Workers = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>Optimises <paramref name="embedding"/> (x, y interleaved) in place.</summary>
    public static void Optimise(
        float[] embedding,
        UmapFuzzyGraph graph,
        UmapCurve curve,
        int epochs,
        ulong seed,
        CancellationToken cancellationToken)
    {
        var schedule = new EdgeSchedule(graph.Weights);
        var vertexCount = graph.VertexCount;
        var blocks = Math.Clamp(vertexCount / MinVerticesPerBlock, 1, MaxBlocks);
        var epochStart = new float[embedding.Length];
        var parameters = new Parameters((float)curve.A, (float)curve.B, vertexCount);
        var learningRate = InitialLearningRate;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Copy(embedding, epochStart, embedding.Length);
            var rate = learningRate;
            var current = epoch;
            var gamma = epoch >= LateRepulsionFrom * epochs ? LateRepulsionStrength : 1f;
            Parallel.For(0, blocks, Workers, block =>
            {
                var first = (int)((long)vertexCount * block / blocks);
                var end = (int)((long)vertexCount * (block + 1) / blocks);
                var random = new UmapRandom(seed ^ ((ulong)current << 32) ^ (ulong)block * 0x9E3779B97F4A7C15UL);
                RunBlock(first, end, current, rate, gamma, embedding, epochStart, graph, schedule, parameters, ref random);
            });

            // As umap-learn: the epoch just finished sets the next rate, so the first two epochs both run at 1.
            learningRate = InitialLearningRate * (1f - (float)epoch / epochs);
        }
    }

    private static void RunBlock(
        int first,
        int end,
        int epoch,
        float learningRate,
        float gamma,
        float[] live,
        float[] epochStart,
        UmapFuzzyGraph graph,
        EdgeSchedule schedule,
        Parameters parameters,
        ref UmapRandom random)
    {
        float a = parameters.A, b = parameters.B;
        var attractionStep = 2 * learningRate;
        for (var head = first; head < end; head++)
        {
            var x = live[2 * head];
            var y = live[2 * head + 1];
            for (var edge = graph.RowStart[head]; edge < graph.RowStart[head + 1]; edge++)
            {
                if (schedule.NextSample[edge] > epoch)
                {
                    continue;
                }

                var tail = graph.Columns[edge];
                var positions = tail >= first && tail < end ? live : epochStart;
                var dx = x - positions[2 * tail];
                var dy = y - positions[2 * tail + 1];
                var squared = dx * dx + dy * dy;
                if (squared > 0)
                {
                    var power = MathF.Pow(squared, b);
                    // −2ab·d^(2(b−1)) / (1 + a·d^(2b)), with d^(2(b−1)) taken as d^(2b) / d².
                    var attraction = -2f * a * b * (power / squared) / (a * power + 1f);
                    x += Clip(attraction * dx) * attractionStep;
                    y += Clip(attraction * dy) * attractionStep;
                }

                schedule.NextSample[edge] += schedule.EpochsPerSample[edge];
                var epochsPerNegative = schedule.EpochsPerSample[edge] / NegativeSamplesPerPositive;
                var negativeSamples = (int)((epoch - schedule.NextNegativeSample[edge]) / epochsPerNegative);
                (x, y) = RepelFrom(x, y, negativeSamples, gamma, learningRate, first, end, live, epochStart, parameters, ref random);
                schedule.NextNegativeSample[edge] += negativeSamples * epochsPerNegative;
            }

            live[2 * head] = x;
            live[2 * head + 1] = y;
        }
    }

    private const int Lanes = 8;

    /// <summary>
    /// Moves the head at (x, y) away from <paramref name="samples"/> uniformly drawn vertices, eight at a time:
    /// the eight kernels (one pow each, the bulk of the layout's time) are evaluated as one vector, and the head
    /// moves by their sum before the next eight, so no more than eight clipped steps ever add up unchecked.
    /// </summary>
    private static (float X, float Y) RepelFrom(
        float x, float y, int samples, float gamma, float learningRate, int first, int end, float[] live, float[] epochStart, Parameters parameters, ref UmapRandom random)
    {

        Span<float> otherX = stackalloc float[Lanes];
        Span<float> otherY = stackalloc float[Lanes];
        var a = Vector256.Create(parameters.A);
        var b = Vector256.Create(parameters.B);
        var scale = Vector256.Create(2f * gamma * parameters.B);
        var clip = Vector256.Create(GradientClip);
        for (var done = 0; done < samples; done += Lanes)
        {
            var headX = Vector256.Create(x);
            var headY = Vector256.Create(y);
            for (var lane = 0; lane < Lanes; lane++)
            {
                if (done + lane < samples)
                {
                    var other = random.NextInt(parameters.VertexCount);
                    var positions = other >= first && other < end ? live : epochStart;
                    otherX[lane] = positions[2 * other];
                    otherY[lane] = positions[2 * other + 1];
                }
                else
                {
                    otherX[lane] = x; // distance 0: masked out below
                    otherY[lane] = y;
                }
            }

            var dx = headX - Vector256.Create<float>(otherX);
            var dy = headY - Vector256.Create<float>(otherY);
            var squared = dx * dx + dy * dy;
            var power = Vector256.Exp(Vector256.Log(squared) * b);
            var repulsion = scale / ((squared + Vector256.Create(0.001f)) * (a * power + Vector256<float>.One));
            // Itself or an exact duplicate has no direction to push along (and log 0 would poison the lane).
            var apart = Vector256.GreaterThan(squared, Vector256<float>.Zero);
            x += learningRate * Vector256.Sum(Vector256.ConditionalSelect(apart, Vector256.Clamp(repulsion * dx, -clip, clip), Vector256<float>.Zero));
            y += learningRate * Vector256.Sum(Vector256.ConditionalSelect(apart, Vector256.Clamp(repulsion * dy, -clip, clip), Vector256<float>.Zero));
        }

        return (x, y);
    }

    private static float Clip(float value) => Math.Clamp(value, -GradientClip, GradientClip);

    private sealed record Parameters(float A, float B, int VertexCount);

    /// <summary>
    /// make_epochs_per_sample and the per-edge clocks: the strongest edge is sampled every epoch, an edge of
    /// weight w every max/w epochs, with <see cref="NegativeSamplesPerPositive"/> negative samples per positive one. The graph holds only
    /// positive weights (edges below max/epochs were pruned).
    /// </summary>
    private sealed class EdgeSchedule
    {
        public EdgeSchedule(float[] weights)
        {
            var max = 0f;
            foreach (var weight in weights)
            {
                max = Math.Max(max, weight);
            }

            EpochsPerSample = new double[weights.Length];
            NextSample = new double[weights.Length];
            NextNegativeSample = new double[weights.Length];
            for (var edge = 0; edge < weights.Length; edge++)
            {
                EpochsPerSample[edge] = (double)max / weights[edge];
                NextSample[edge] = EpochsPerSample[edge];
                NextNegativeSample[edge] = EpochsPerSample[edge] / NegativeSamplesPerPositive;
            }
        }

        public double[] EpochsPerSample { get; }

        public double[] NextSample { get; }

        public double[] NextNegativeSample { get; }
    }
}
