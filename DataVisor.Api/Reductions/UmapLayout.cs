namespace DataVisor.Api.Reductions;

/// <summary>
/// UMAP's layout optimisation (umap-learn's <c>optimize_layout_euclidean</c>): stochastic gradient descent
/// over the graph's edges, each sampled in proportion to its weight, with negative samples drawn uniformly,
/// a learning rate decaying linearly from 1 and every gradient component clipped to ±4.
/// umap-learn runs the edges in parallel without locks, so its result depends on thread timing; here the
/// edges run sequentially in CSR order and the negative samples come from one seeded stream, so the same
/// graph and start always give bit-identical coordinates.
/// </summary>
public static class UmapLayout
{
    private const int NegativeSamplesPerPositive = 5;
    private const float RepulsionStrength = 1f; // gamma
    private const float GradientClip = 4f;
    private const float InitialLearningRate = 1f;

    /// <summary>Optimises <paramref name="embedding"/> (x, y interleaved) in place.</summary>
    public static void Optimise(
        float[] embedding,
        UmapFuzzyGraph graph,
        UmapCurve curve,
        int epochs,
        ref UmapRandom random,
        CancellationToken cancellationToken)
    {
        var edgeCount = graph.EdgeCount;
        var heads = new int[edgeCount];
        for (var i = 0; i < graph.VertexCount; i++)
        {
            heads.AsSpan(graph.RowStart[i], graph.RowStart[i + 1] - graph.RowStart[i]).Fill(i);
        }

        var tails = graph.Columns;
        var epochsPerSample = EpochsPerSample(graph.Weights);
        var epochsPerNegativeSample = new double[edgeCount];
        var nextSampleEpoch = new double[edgeCount];
        var nextNegativeSampleEpoch = new double[edgeCount];
        for (var edge = 0; edge < edgeCount; edge++)
        {
            epochsPerNegativeSample[edge] = epochsPerSample[edge] / NegativeSamplesPerPositive;
            nextSampleEpoch[edge] = epochsPerSample[edge];
            nextNegativeSampleEpoch[edge] = epochsPerNegativeSample[edge];
        }

        float a = (float)curve.A, b = (float)curve.B;
        var vertexCount = graph.VertexCount;
        var learningRate = InitialLearningRate;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var edge = 0; edge < edgeCount; edge++)
            {
                if (nextSampleEpoch[edge] > epoch)
                {
                    continue;
                }

                var head = heads[edge] * 2;
                var tail = tails[edge] * 2;
                var dx = embedding[head] - embedding[tail];
                var dy = embedding[head + 1] - embedding[tail + 1];
                var squared = dx * dx + dy * dy;
                if (squared > 0)
                {
                    var power = MathF.Pow(squared, b);
                    // −2ab·d^(2(b−1)) / (1 + a·d^(2b)), with d^(2(b−1)) taken as d^(2b) / d².
                    var attraction = -2f * a * b * (power / squared) / (a * power + 1f);
                    var gx = Clip(attraction * dx) * learningRate;
                    var gy = Clip(attraction * dy) * learningRate;
                    embedding[head] += gx;
                    embedding[head + 1] += gy;
                    embedding[tail] -= gx;
                    embedding[tail + 1] -= gy;
                }

                nextSampleEpoch[edge] += epochsPerSample[edge];
                var negativeSamples = (int)((epoch - nextNegativeSampleEpoch[edge]) / epochsPerNegativeSample[edge]);
                for (var sample = 0; sample < negativeSamples; sample++)
                {
                    var other = random.NextInt(vertexCount) * 2;
                    dx = embedding[head] - embedding[other];
                    dy = embedding[head + 1] - embedding[other + 1];
                    squared = dx * dx + dy * dy;
                    if (squared <= 0)
                    {
                        continue; // itself, or an exact duplicate: no direction to push along
                    }

                    var repulsion = 2f * RepulsionStrength * b / ((0.001f + squared) * (a * MathF.Pow(squared, b) + 1f));
                    embedding[head] += Clip(repulsion * dx) * learningRate;
                    embedding[head + 1] += Clip(repulsion * dy) * learningRate;
                }

                nextNegativeSampleEpoch[edge] += negativeSamples * epochsPerNegativeSample[edge];
            }

            // As umap-learn: the epoch just finished sets the next rate, so the first two epochs both run at 1.
            learningRate = InitialLearningRate * (1f - (float)epoch / epochs);
        }
    }

    /// <summary>
    /// make_epochs_per_sample: the strongest edge is sampled every epoch, an edge of weight w every max/w
    /// epochs. The graph holds only positive weights (edges below max/epochs were pruned).
    /// </summary>
    private static double[] EpochsPerSample(float[] weights)
    {
        var max = 0f;
        foreach (var weight in weights)
        {
            max = Math.Max(max, weight);
        }

        var result = new double[weights.Length];
        for (var edge = 0; edge < weights.Length; edge++)
        {
            result[edge] = (double)max / weights[edge];
        }

        return result;
    }

    private static float Clip(float value) => Math.Clamp(value, -GradientClip, GradientClip);
}
