namespace DataVisor.Api.Reductions;

/// <summary>
/// UMAP's layout optimisation (umap-learn's <c>optimize_layout_euclidean</c>): stochastic gradient descent
/// over the graph's edges, each sampled in proportion to its weight, with negative samples drawn uniformly,
/// a learning rate decaying linearly from 1 and every gradient component clipped to ±4.
/// </summary>
/// <remarks>
/// umap-learn runs edges in parallel without locks, so its result depends on thread timing. Here the vertices
/// are split into a fixed number of contiguous blocks (a function of n only, never of the core count) and
/// the blocks of one epoch run in parallel: a block moves only its own vertices, reads its own vertices live
/// and every other vertex as it stood at the start of the epoch, and draws negative samples from a stream
/// seeded by (seed, epoch, block). Nothing a thread reads is written concurrently, so the coordinates are
/// bit-identical whatever the timing. Because a block cannot move a neighbour in another block, an edge
/// moves only its head; each edge is stored in both directions, so the pair still attracts from both ends,
/// and the head takes both halves of the pull (the step is doubled) as umap-learn's two updates would give it.
/// </remarks>
public static class UmapLayout
{
    private const int NegativeSamplesPerPositive = 5;
    private const float RepulsionStrength = 1f; // gamma
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
            Parallel.For(0, blocks, Workers, block =>
            {
                var first = (int)((long)vertexCount * block / blocks);
                var end = (int)((long)vertexCount * (block + 1) / blocks);
                var random = new UmapRandom(seed ^ ((ulong)current << 32) ^ (ulong)block * 0x9E3779B97F4A7C15UL);
                RunBlock(first, end, current, rate, embedding, epochStart, graph, schedule, parameters, ref random);
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
                for (var sample = 0; sample < negativeSamples; sample++)
                {
                    var other = random.NextInt(parameters.VertexCount);
                    positions = other >= first && other < end ? live : epochStart;
                    dx = x - positions[2 * other];
                    dy = y - positions[2 * other + 1];
                    squared = dx * dx + dy * dy;
                    if (squared <= 0)
                    {
                        continue; // itself, or an exact duplicate: no direction to push along
                    }

                    var repulsion = 2f * RepulsionStrength * b / ((0.001f + squared) * (a * MathF.Pow(squared, b) + 1f));
                    x += Clip(repulsion * dx) * learningRate;
                    y += Clip(repulsion * dy) * learningRate;
                }

                schedule.NextNegativeSample[edge] += negativeSamples * epochsPerNegative;
            }

            live[2 * head] = x;
            live[2 * head + 1] = y;
        }
    }

    private static float Clip(float value) => Math.Clamp(value, -GradientClip, GradientClip);

    private sealed record Parameters(float A, float B, int VertexCount);

    /// <summary>
    /// make_epochs_per_sample and the per-edge clocks: the strongest edge is sampled every epoch, an edge of
    /// weight w every max/w epochs, with five negative samples per positive one. The graph holds only
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
