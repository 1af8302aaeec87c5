namespace DataVisor.Api.Reductions;

/// <summary>
/// The starting layout: the two leading non-trivial eigenvectors of the normalised adjacency
/// D^−½ W D^−½ of the fuzzy graph (the smallest of the normalised Laplacian, umap-learn's spectral
/// initialisation). A dense eigensolver is cubic in n, so this runs block power iteration on the sparse
/// graph instead: each step costs one pass over the edges, and a few hundred steps give the smooth,
/// low-frequency layout the optimisation needs even where the eigenvalues are too close to converge fully.
/// The result is deterministic: rows are split into fixed blocks and every sum runs in a fixed order.
/// </summary>
public static class UmapSpectralInit
{
    private const int RowsPerBlock = 4096;

    // At most one worker per core: the request threads that serve progress and cancel share the pool.
    private static readonly ParallelOptions Workers = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    public static double[] Compute(UmapFuzzyGraph graph, int iterations, ref UmapRandom random, CancellationToken cancellationToken)
    {
        var count = graph.VertexCount;
        var scale = new double[count];
        var trivial = new double[count];
        for (var i = 0; i < count; i++)
        {
            var degree = 0.0;
            for (var edge = graph.RowStart[i]; edge < graph.RowStart[i + 1]; edge++)
            {
                degree += graph.Weights[edge];
            }

            scale[i] = degree > 0 ? 1 / Math.Sqrt(degree) : 0;
            trivial[i] = Math.Sqrt(degree);
        }

        Normalise(trivial);
        var first = new double[count];
        var second = new double[count];
        for (var i = 0; i < count; i++)
        {
            first[i] = 2 * random.NextDouble() - 1;
            second[i] = 2 * random.NextDouble() - 1;
        }

        Orthonormalise(first, second, trivial);
        var nextFirst = new double[count];
        var nextSecond = new double[count];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            if (iteration % 16 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // (I + N) / 2 has N's eigenvectors with eigenvalues in [0, 1], so the bottom of N's spectrum
            // (near −1 on bipartite-like graphs) cannot win the iteration.
            HalfStep(graph, scale, first, second, nextFirst, nextSecond);
            (first, nextFirst) = (nextFirst, first);
            (second, nextSecond) = (nextSecond, second);
            Orthonormalise(first, second, trivial);
        }

        // Rayleigh–Ritz in the two-dimensional subspace orders the pair by eigenvalue, as an eigensolver would.
        HalfStep(graph, scale, first, second, nextFirst, nextSecond);
        var h11 = Dot(first, nextFirst);
        var h12 = Dot(first, nextSecond);
        var h22 = Dot(second, nextSecond);
        var angle = 0.5 * Math.Atan2(2 * h12, h11 - h22);
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        var layout = new double[2 * count];
        for (var i = 0; i < count; i++)
        {
            layout[2 * i] = cos * first[i] + sin * second[i];
            layout[2 * i + 1] = -sin * first[i] + cos * second[i];
        }

        return layout;
    }

    private static void HalfStep(UmapFuzzyGraph graph, double[] scale, double[] first, double[] second, double[] nextFirst, double[] nextSecond)
    {
        var blocks = (graph.VertexCount + RowsPerBlock - 1) / RowsPerBlock;
        Parallel.For(0, blocks, Workers, block =>
        {
            var end = Math.Min(graph.VertexCount, (block + 1) * RowsPerBlock);
            for (var i = block * RowsPerBlock; i < end; i++)
            {
                double sumFirst = 0, sumSecond = 0;
                for (var edge = graph.RowStart[i]; edge < graph.RowStart[i + 1]; edge++)
                {
                    var j = graph.Columns[edge];
                    var weight = graph.Weights[edge] * scale[j];
                    sumFirst += weight * first[j];
                    sumSecond += weight * second[j];
                }

                nextFirst[i] = 0.5 * (first[i] + scale[i] * sumFirst);
                nextSecond[i] = 0.5 * (second[i] + scale[i] * sumSecond);
            }
        });
    }

    /// <summary>Gram–Schmidt of the pair against the trivial eigenvector and each other.</summary>
    private static void Orthonormalise(double[] first, double[] second, double[] trivial)
    {
        Subtract(first, trivial, Dot(first, trivial));
        Normalise(first);
        Subtract(second, trivial, Dot(second, trivial));
        Subtract(second, first, Dot(second, first));
        Normalise(second);
    }

    private static double Dot(double[] x, double[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    private static void Subtract(double[] target, double[] direction, double amount)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] -= amount * direction[i];
        }
    }

    private static void Normalise(double[] vector)
    {
        var norm = Math.Sqrt(Dot(vector, vector));
        if (norm == 0)
        {
            return;
        }

        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] /= norm;
        }
    }
}
