namespace DataVisor.Api.Reductions;

/// <summary>
/// The connected components of the fuzzy graph and where each one starts in the plane, as umap-learn's
/// <c>multi_component_layout</c> places them: components are labelled in order of their smallest vertex, and
/// each gets a centre (<see cref="Centres"/>, x and y interleaved) and a radius (<see cref="Radii"/>: half the
/// distance to the nearest other centre) within which its own spectral layout is drawn.
/// </summary>
/// <remarks>
/// Well-separated data (distinct objects, classes far apart in embedding space) gives a k-NN graph of several
/// components. A single spectral layout of such a graph is degenerate: eigenvalue 1 has one eigenvector per
/// component, so the leading pair only places whole components and every point of a component starts at
/// the same spot, leaving the within-component layout to the SGD alone.
/// </remarks>
public sealed record UmapComponents(int[] Labels, int Count, int[] Sizes, double[] Centres, double[] Radii)
{
    // Above this many components the dense centre layout (Count² per step) is not worth its time;
    // umap-learn's own fallback without data, uniform random centres in [0, 10)², is used instead.
    private const int MaxSpectralCentres = 1024;
    private const int CentreIterations = 300;

    public static UmapComponents Find(UmapFuzzyGraph graph, VectorSet vectors, ref UmapRandom random)
    {
        var (labels, count) = Label(graph);
        var sizes = new int[count];
        foreach (var label in labels)
        {
            sizes[label]++;
        }

        var centres = count switch
        {
            1 => new double[2],
            <= 4 => FixedCentres(count),
            <= MaxSpectralCentres => SpectralCentres(Centroids(vectors, labels, count), count, vectors.Dimension),
            _ => RandomCentres(count, ref random),
        };
        return new UmapComponents(labels, count, sizes, centres, DiscRadii(centres, count));
    }

    /// <summary>Breadth-first labelling; a component's label is its rank by smallest vertex.</summary>
    private static (int[] Labels, int Count) Label(UmapFuzzyGraph graph)
    {
        var labels = new int[graph.VertexCount];
        Array.Fill(labels, -1);
        var queue = new int[graph.VertexCount];
        var count = 0;
        for (var start = 0; start < graph.VertexCount; start++)
        {
            if (labels[start] >= 0)
            {
                continue;
            }

            int head = 0, tail = 0;
            queue[tail++] = start;
            labels[start] = count;
            while (head < tail)
            {
                var vertex = queue[head++];
                for (var edge = graph.RowStart[vertex]; edge < graph.RowStart[vertex + 1]; edge++)
                {
                    var other = graph.Columns[edge];
                    if (labels[other] < 0)
                    {
                        labels[other] = count;
                        queue[tail++] = other;
                    }
                }
            }

            count++;
        }

        return (labels, count);
    }

    /// <summary>umap-learn's layout for at most 2·dim components: ±e₁, ±e₂.</summary>
    private static double[] FixedCentres(int count)
    {
        double[] corners = [1, 0, 0, 1, -1, 0, 0, -1];
        var half = (count + 1) / 2;
        var centres = new double[2 * count];
        for (var c = 0; c < count; c++)
        {
            // Rows 0..half−1 are e₁.., the rest their negatives, as np.vstack([base, −base]).
            var source = c < half ? c : 2 + (c - half);
            centres[2 * c] = corners[2 * source];
            centres[2 * c + 1] = corners[2 * source + 1];
        }

        return centres;
    }

    private static double[] RandomCentres(int count, ref UmapRandom random)
    {
        var centres = new double[2 * count];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = 10 * random.NextDouble();
        }

        return centres;
    }

    /// <summary>The mean of each component's rows (raw vectors, as umap-learn takes them), unit-normalised.</summary>
    private static double[] Centroids(VectorSet vectors, int[] labels, int count)
    {
        var dimension = vectors.Dimension;
        var centroids = new double[count * dimension];
        for (var row = 0; row < vectors.Count; row++)
        {
            var values = vectors.Row(row);
            var centroid = centroids.AsSpan(labels[row] * dimension, dimension);
            for (var j = 0; j < dimension; j++)
            {
                centroid[j] += values[j];
            }
        }

        for (var c = 0; c < count; c++)
        {
            var centroid = centroids.AsSpan(c * dimension, dimension);
            var norm = 0.0;
            foreach (var value in centroid)
            {
                norm += value * value;
            }

            norm = Math.Sqrt(norm);
            for (var j = 0; norm > 0 && j < dimension; j++)
            {
                centroid[j] /= norm;
            }
        }

        return centroids;
    }

    /// <summary>
    /// umap-learn's <c>component_layout</c>: a spectral embedding of the centroids under the affinity
    /// exp(−d²), d their cosine distance, scaled so the largest coordinate is 1. The two leading non-trivial
    /// eigenvectors of D^−½ A D^−½ come from the same power iteration as the point layout, here on the small
    /// dense matrix, and are divided by √degree as scikit-learn's <c>spectral_embedding</c> does.
    /// </summary>
    private static double[] SpectralCentres(double[] unitCentroids, int count, int dimension)
    {
        var affinity = new double[count * count];
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < count; j++)
            {
                if (i == j)
                {
                    continue; // the graph Laplacian ignores self-affinity
                }

                var cosine = 0.0;
                for (var d = 0; d < dimension; d++)
                {
                    cosine += unitCentroids[i * dimension + d] * unitCentroids[j * dimension + d];
                }

                var distance = 1 - cosine;
                affinity[i * count + j] = Math.Exp(-distance * distance);
            }
        }

        var graph = DenseAsGraph(affinity, count);
        var labels = new int[count];
        var random = new UmapRandom(UmapReducer.Seed);
        var layout = UmapSpectralInit.LeadingPairs(graph, labels, [count], CentreIterations, ref random, CancellationToken.None);
        var largest = 0.0;
        for (var c = 0; c < count; c++)
        {
            var inverseRootDegree = 0.0;
            for (var j = 0; j < count; j++)
            {
                inverseRootDegree += affinity[c * count + j];
            }

            inverseRootDegree = 1 / Math.Sqrt(inverseRootDegree);
            layout[2 * c] *= inverseRootDegree;
            layout[2 * c + 1] *= inverseRootDegree;
            largest = Math.Max(largest, Math.Max(Math.Abs(layout[2 * c]), Math.Abs(layout[2 * c + 1])));
        }

        for (var i = 0; largest > 0 && i < layout.Length; i++)
        {
            layout[i] /= largest;
        }

        return layout;
    }

    private static UmapFuzzyGraph DenseAsGraph(double[] affinity, int count)
    {
        var rowStart = new int[count + 1];
        var columns = new int[count * (count - 1)];
        var weights = new float[columns.Length];
        var write = 0;
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < count; j++)
            {
                if (j != i)
                {
                    columns[write] = j;
                    weights[write++] = (float)affinity[i * count + j];
                }
            }

            rowStart[i + 1] = write;
        }

        return new UmapFuzzyGraph(rowStart, columns, weights);
    }

    /// <summary>Half the distance from each centre to its nearest distinct other centre (1 if there is none).</summary>
    private static double[] DiscRadii(double[] centres, int count)
    {
        var radii = new double[count];
        for (var c = 0; c < count; c++)
        {
            var nearest = double.PositiveInfinity;
            for (var other = 0; other < count; other++)
            {
                var dx = centres[2 * c] - centres[2 * other];
                var dy = centres[2 * c + 1] - centres[2 * other + 1];
                var distance = Math.Sqrt(dx * dx + dy * dy);
                if (distance > 0)
                {
                    nearest = Math.Min(nearest, distance);
                }
            }

            radii[c] = double.IsPositiveInfinity(nearest) ? 1 : nearest / 2;
        }

        return radii;
    }
}
