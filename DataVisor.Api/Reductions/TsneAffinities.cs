namespace DataVisor.Api.Reductions;

/// <summary>
/// The symmetric joint probabilities P of t-SNE in CSR form: row i holds the columns
/// <c>Columns[RowStart[i] .. RowStart[i + 1])</c> in ascending order with their <c>Values</c>. The values
/// sum to 1 over the whole matrix and <c>P[i, j] == P[j, i]</c>.
/// </summary>
internal sealed record TsneAffinities(int[] RowStart, int[] Columns, double[] Values)
{
    public int Count => RowStart.Length - 1;

    // scikit-learn's binary search constants (_utils._binary_search_perplexity): 100 halvings are far more
    // than double precision needs, and the entropy tolerance is the one its layouts are tuned against.
    private const int MaxSearchSteps = 100;
    private const double EntropyTolerance = 1e-5;
    private const double SmallestRowSum = 1e-8;
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Calibrates one Gaussian per point over its k nearest neighbours so that its conditional distribution
    /// has the requested perplexity, then symmetrises: <c>P = (P_cond + P_condᵀ) / sum</c>. The distances
    /// fed to the Gaussians are the squared cosine distances, as scikit-learn squares any non-euclidean
    /// metric before the search.
    /// </summary>
    public static TsneAffinities FromNeighbours(NeighbourGraph graph, double perplexity)
    {
        var conditional = ConditionalProbabilities(graph, perplexity);
        return Symmetrise(graph, conditional);
    }

    private static double[] ConditionalProbabilities(NeighbourGraph graph, double perplexity)
    {
        var k = graph.K;
        var conditional = new double[graph.Count * k];
        var desiredEntropy = Math.Log(perplexity);
        // Rows are independent, so the parallel loop is as deterministic as a sequential one.
        Parallel.For(0, graph.Count, row =>
        {
            Span<double> squared = stackalloc double[k];
            for (var j = 0; j < k; j++)
            {
                // Squared in single precision like the reference, which casts the distances to float32.
                var distance = graph.Distances[row * k + j];
                squared[j] = distance * distance;
            }

            SearchRow(squared, desiredEntropy, conditional.AsSpan(row * k, k));
        });
        return conditional;
    }

    /// <summary>Bisection on the precision beta of exp(−beta·d²) until the row's entropy is log(perplexity).</summary>
    private static void SearchRow(ReadOnlySpan<double> squared, double desiredEntropy, Span<double> probabilities)
    {
        var beta = 1.0;
        var betaMin = double.NegativeInfinity;
        var betaMax = double.PositiveInfinity;
        for (var step = 0; step < MaxSearchSteps; step++)
        {
            var sum = 0.0;
            for (var j = 0; j < squared.Length; j++)
            {
                probabilities[j] = Math.Exp(-squared[j] * beta);
                sum += probabilities[j];
            }

            if (sum == 0.0)
            {
                sum = SmallestRowSum;
            }

            var weightedDistance = 0.0;
            for (var j = 0; j < squared.Length; j++)
            {
                probabilities[j] /= sum;
                weightedDistance += squared[j] * probabilities[j];
            }

            var entropyExcess = Math.Log(sum) + beta * weightedDistance - desiredEntropy;
            if (Math.Abs(entropyExcess) <= EntropyTolerance)
            {
                return;
            }

            if (entropyExcess > 0.0)
            {
                betaMin = beta;
                beta = double.IsPositiveInfinity(betaMax) ? beta * 2.0 : (beta + betaMax) / 2.0;
            }
            else
            {
                betaMax = beta;
                beta = double.IsNegativeInfinity(betaMin) ? beta / 2.0 : (beta + betaMin) / 2.0;
            }
        }
    }

    /// <summary>
    /// P + Pᵀ over the k-NN pattern: an entry (i, j) exists when j is a neighbour of i or i one of j. Each
    /// value is the sum of at most two terms, and a + b == b + a in floating point, so the result does not
    /// depend on the order the entries are gathered in.
    /// </summary>
    private static TsneAffinities Symmetrise(NeighbourGraph graph, double[] conditional)
    {
        var count = graph.Count;
        var k = graph.K;
        var rowLength = new int[count + 1];
        for (var row = 0; row < count; row++)
        {
            rowLength[row] += k;
            for (var j = 0; j < k; j++)
            {
                rowLength[graph.Indices[row * k + j]]++;
            }
        }

        // Scatter both orientations of every edge into per-row buckets, then sort and merge each row.
        var bucketStart = new int[count + 1];
        for (var row = 0; row < count; row++)
        {
            bucketStart[row + 1] = bucketStart[row] + rowLength[row];
        }

        var fill = bucketStart[..count];
        var bucketColumns = new int[bucketStart[count]];
        var bucketValues = new double[bucketStart[count]];
        for (var row = 0; row < count; row++)
        {
            for (var j = 0; j < k; j++)
            {
                var column = graph.Indices[row * k + j];
                var value = conditional[row * k + j];
                bucketColumns[fill[row]] = column;
                bucketValues[fill[row]++] = value;
                bucketColumns[fill[column]] = row;
                bucketValues[fill[column]++] = value;
            }
        }

        var rowStart = new int[count + 1];
        var mergedLength = new int[count];
        Parallel.For(0, count, row =>
        {
            var start = bucketStart[row];
            var length = bucketStart[row + 1] - start;
            Array.Sort(bucketColumns, bucketValues, start, length);
            var write = start;
            for (var read = start; read < start + length; read++)
            {
                if (write > start && bucketColumns[write - 1] == bucketColumns[read])
                {
                    bucketValues[write - 1] += bucketValues[read];
                }
                else
                {
                    bucketColumns[write] = bucketColumns[read];
                    bucketValues[write++] = bucketValues[read];
                }
            }

            mergedLength[row] = write - start;
        });

        for (var row = 0; row < count; row++)
        {
            rowStart[row + 1] = rowStart[row] + mergedLength[row];
        }

        var columns = new int[rowStart[count]];
        var values = new double[rowStart[count]];
        var total = 0.0;
        for (var row = 0; row < count; row++)
        {
            Array.Copy(bucketColumns, bucketStart[row], columns, rowStart[row], mergedLength[row]);
            Array.Copy(bucketValues, bucketStart[row], values, rowStart[row], mergedLength[row]);
            for (var entry = rowStart[row]; entry < rowStart[row + 1]; entry++)
            {
                total += values[entry];
            }
        }

        var normaliser = Math.Max(total, MachineEpsilon);
        for (var entry = 0; entry < values.Length; entry++)
        {
            values[entry] /= normaliser;
        }

        return new TsneAffinities(rowStart, columns, values);
    }
}
