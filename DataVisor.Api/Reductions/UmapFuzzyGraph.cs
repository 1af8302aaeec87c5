namespace DataVisor.Api.Reductions;

/// <summary>
/// UMAP's fuzzy simplicial set as a symmetric sparse matrix in CSR form: the neighbours of vertex i are
/// <c>Columns[RowStart[i] .. RowStart[i + 1])</c> in ascending order, with membership strengths in
/// <c>Weights</c>. Every edge is stored in both directions, as umap-learn's COO graph is.
/// </summary>
public sealed record UmapFuzzyGraph(int[] RowStart, int[] Columns, float[] Weights)
{
    // umap-learn's smooth_knn_dist constants (local_connectivity 1, bandwidth 1).
    private const int SigmaSearchSteps = 64;
    private const double SigmaTolerance = 1e-5;
    private const double MinimumDistanceScale = 1e-3;

    public int VertexCount => RowStart.Length - 1;

    public int EdgeCount => Columns.Length;

    /// <summary>
    /// Builds the graph from a k-NN graph without self loops (umap-learn's <c>n_neighbors</c> counts the
    /// point itself, so <c>n_neighbors = K + 1</c>), then drops the edges too weak to be sampled even once
    /// in <paramref name="epochs"/> epochs, as umap-learn does before the layout.
    /// </summary>
    public static UmapFuzzyGraph Build(NeighbourGraph neighbours, int epochs)
    {
        var memberships = DirectedMemberships(neighbours);
        var graph = FuzzyUnion(neighbours, memberships);
        return graph.WithoutEdgesBelow(MaxWeight(graph.Weights) / epochs);
    }

    /// <summary>
    /// smooth_knn_dist and compute_membership_strengths: per point, rho is the distance to the nearest
    /// non-identical neighbour and sigma is found by bisection so that the memberships sum to log2(n_neighbors).
    /// </summary>
    private static float[] DirectedMemberships(NeighbourGraph neighbours)
    {
        int count = neighbours.Count, k = neighbours.K;
        var distances = neighbours.Distances;
        var target = Math.Log2(k + 1);
        // umap-learn's distance rows include the point itself at distance 0, hence the k + 1 in the means.
        var meanOfAllDistances = 0.0;
        foreach (var distance in distances)
        {
            meanOfAllDistances += distance;
        }

        meanOfAllDistances /= (double)count * (k + 1);
        var memberships = new float[count * k];
        for (var i = 0; i < count; i++)
        {
            var row = distances.AsSpan(i * k, k);
            var rho = 0.0;
            var rowSum = 0.0;
            foreach (var distance in row)
            {
                rowSum += distance;
                if (rho == 0 && distance > 0)
                {
                    rho = distance; // rows are sorted, so this is the smallest non-zero distance
                }
            }

            var sigma = SearchSigma(row, rho, target);
            var floor = MinimumDistanceScale * (rho > 0 ? rowSum / (k + 1) : meanOfAllDistances);
            sigma = Math.Max(sigma, floor);
            for (var j = 0; j < k; j++)
            {
                var excess = row[j] - rho;
                memberships[i * k + j] = excess <= 0 || sigma == 0 ? 1f : (float)Math.Exp(-excess / sigma);
            }
        }

        return memberships;
    }

    private static double SearchSigma(ReadOnlySpan<float> row, double rho, double target)
    {
        double low = 0, high = double.PositiveInfinity, mid = 1;
        for (var step = 0; step < SigmaSearchSteps; step++)
        {
            var sum = 0.0;
            foreach (var distance in row)
            {
                var excess = distance - rho;
                sum += excess > 0 ? Math.Exp(-excess / mid) : 1;
            }

            if (Math.Abs(sum - target) < SigmaTolerance)
            {
                break;
            }

            if (sum > target)
            {
                high = mid;
                mid = (low + high) / 2;
            }
            else
            {
                low = mid;
                mid = double.IsPositiveInfinity(high) ? mid * 2 : (low + high) / 2;
            }
        }

        return mid;
    }

    /// <summary>The fuzzy union P + Pᵀ − P∘Pᵀ (set_op_mix_ratio 1), rows sorted by column.</summary>
    private static UmapFuzzyGraph FuzzyUnion(NeighbourGraph neighbours, float[] memberships)
    {
        int count = neighbours.Count, k = neighbours.K;
        var indices = neighbours.Indices;
        var slots = new int[count + 1];
        for (var i = 0; i < count; i++)
        {
            slots[i + 1] += k;
            for (var j = 0; j < k; j++)
            {
                slots[indices[i * k + j] + 1]++;
            }
        }

        for (var i = 0; i < count; i++)
        {
            slots[i + 1] += slots[i];
        }

        var columns = new int[slots[count]];
        var weights = new float[slots[count]];
        var next = slots[..count];
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var other = indices[i * k + j];
                var weight = memberships[i * k + j];
                columns[next[i]] = other;
                weights[next[i]++] = weight;
                columns[next[other]] = i;
                weights[next[other]++] = weight;
            }
        }

        // Each (i, j) now appears once from i's neighbour list and/or once from j's; merge the pairs.
        var rowStart = new int[count + 1];
        var write = 0;
        for (var i = 0; i < count; i++)
        {
            var start = slots[i];
            var length = slots[i + 1] - start;
            Array.Sort(columns, weights, start, length);
            for (var read = start; read < start + length; read++)
            {
                var weight = weights[read];
                if (read + 1 < start + length && columns[read + 1] == columns[read])
                {
                    var other = weights[++read];
                    weight = weight + other - weight * other;
                }

                if (weight > 0)
                {
                    columns[write] = columns[read];
                    weights[write++] = weight;
                }
            }

            rowStart[i + 1] = write;
        }

        return new UmapFuzzyGraph(rowStart, columns[..write], weights[..write]);
    }

    private UmapFuzzyGraph WithoutEdgesBelow(float threshold)
    {
        var rowStart = new int[RowStart.Length];
        var columns = new int[Columns.Length];
        var weights = new float[Weights.Length];
        var write = 0;
        for (var i = 0; i < VertexCount; i++)
        {
            for (var edge = RowStart[i]; edge < RowStart[i + 1]; edge++)
            {
                if (Weights[edge] >= threshold)
                {
                    columns[write] = Columns[edge];
                    weights[write++] = Weights[edge];
                }
            }

            rowStart[i + 1] = write;
        }

        return new UmapFuzzyGraph(rowStart, columns[..write], weights[..write]);
    }

    private static float MaxWeight(float[] weights)
    {
        var max = 0f;
        foreach (var weight in weights)
        {
            max = Math.Max(max, weight);
        }

        return max;
    }
}
