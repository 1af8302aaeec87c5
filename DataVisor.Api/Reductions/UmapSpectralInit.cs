namespace DataVisor.Api.Reductions;

/// <summary>
/// The starting layout, umap-learn's spectral initialisation: per connected component, the two leading
/// non-trivial eigenvectors of the normalised adjacency D^−½ W D^−½ (the smallest of the normalised
/// Laplacian), scaled into the component's disc around its centre (<see cref="UmapComponents"/>, umap-learn's
/// <c>multi_component_layout</c>). A dense eigensolver is cubic in n, so this runs block power iteration on
/// the sparse graph instead, for every component at once (no edge crosses components, so one pass over the
/// edges serves them all; only the dot products are kept per component). A few hundred steps give the smooth,
/// low-frequency layout the optimisation needs even where the eigenvalues are too close to converge fully.
/// The result is deterministic: rows are split into fixed blocks and every sum runs in a fixed order.
/// </summary>
public static class UmapSpectralInit
{
    private const int RowsPerBlock = 4096;

    // umap-learn lays out a component of fewer than 2·dim points uniformly at random in its disc.
    private const int MinSpectralComponentSize = 4;

    // At most one worker per core: the request threads that serve progress and cancel share the pool.
    private static readonly ParallelOptions Workers = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    public static double[] Compute(UmapFuzzyGraph graph, UmapComponents components, int iterations, ref UmapRandom random, CancellationToken cancellationToken)
    {
        var layout = LeadingPairs(graph, components.Labels, components.Sizes, iterations, ref random, cancellationToken);
        if (components.Count == 1)
        {
            return layout; // the caller scales the whole layout anyway
        }

        var largest = new double[components.Count];
        for (var i = 0; i < graph.VertexCount; i++)
        {
            var label = components.Labels[i];
            largest[label] = Math.Max(largest[label], Math.Max(Math.Abs(layout[2 * i]), Math.Abs(layout[2 * i + 1])));
        }

        for (var i = 0; i < graph.VertexCount; i++)
        {
            var label = components.Labels[i];
            var radius = components.Radii[label];
            for (var axis = 0; axis < 2; axis++)
            {
                var offset = components.Sizes[label] < MinSpectralComponentSize || largest[label] == 0
                    ? radius * (2 * random.NextDouble() - 1)
                    : radius * layout[2 * i + axis] / largest[label];
                layout[2 * i + axis] = components.Centres[2 * label + axis] + offset;
            }
        }

        return layout;
    }

    /// <summary>
    /// Per component (<paramref name="labels"/>, <paramref name="sizes"/>), the two leading non-trivial
    /// eigenvectors of D^−½ W D^−½, each of unit length on its component, ordered by eigenvalue, x and y
    /// interleaved. Components below <see cref="MinSpectralComponentSize"/> come back as noise.
    /// </summary>
    public static double[] LeadingPairs(UmapFuzzyGraph graph, int[] labels, int[] sizes, int iterations, ref UmapRandom random, CancellationToken cancellationToken)
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

        var parts = new Components(labels, sizes.Length);
        parts.Normalise(trivial);
        var first = new double[count];
        var second = new double[count];
        for (var i = 0; i < count; i++)
        {
            first[i] = 2 * random.NextDouble() - 1;
            second[i] = 2 * random.NextDouble() - 1;
        }

        parts.Orthonormalise(first, second, trivial);
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
            parts.Orthonormalise(first, second, trivial);
        }

        // Rayleigh–Ritz in each component's two-dimensional subspace orders the pair by eigenvalue, as an
        // eigensolver would.
        HalfStep(graph, scale, first, second, nextFirst, nextSecond);
        var h11 = parts.Dot(first, nextFirst);
        var h12 = parts.Dot(first, nextSecond);
        var h22 = parts.Dot(second, nextSecond);
        var layout = new double[2 * count];
        for (var i = 0; i < count; i++)
        {
            var label = labels[i];
            var angle = 0.5 * Math.Atan2(2 * h12[label], h11[label] - h22[label]);
            double cos = Math.Cos(angle), sin = Math.Sin(angle);
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

    /// <summary>Vector algebra restricted to each component: a dot product is one sum per component.</summary>
    private sealed class Components(int[] labels, int count)
    {
        /// <summary>Gram–Schmidt of the pair against the trivial eigenvector and each other, per component.</summary>
        public void Orthonormalise(double[] first, double[] second, double[] trivial)
        {
            Subtract(first, trivial, Dot(first, trivial));
            Normalise(first);
            Subtract(second, trivial, Dot(second, trivial));
            Subtract(second, first, Dot(second, first));
            Normalise(second);
        }

        public double[] Dot(double[] x, double[] y)
        {
            var sums = new double[count];
            for (var i = 0; i < x.Length; i++)
            {
                sums[labels[i]] += x[i] * y[i];
            }

            return sums;
        }

        public void Normalise(double[] vector)
        {
            var norms = Dot(vector, vector);
            for (var i = 0; i < vector.Length; i++)
            {
                var norm = norms[labels[i]];
                if (norm > 0)
                {
                    vector[i] /= Math.Sqrt(norm);
                }
            }
        }

        private void Subtract(double[] target, double[] direction, double[] amounts)
        {
            for (var i = 0; i < target.Length; i++)
            {
                target[i] -= amounts[labels[i]] * direction[i];
            }
        }
    }
}
