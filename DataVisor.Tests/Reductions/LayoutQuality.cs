namespace DataVisor.Tests.Reductions;

/// <summary>
/// Scores of how well a 2-D layout keeps known classes apart, shared by the PCA, t-SNE and UMAP tests.
/// <c>xy[2 * i]</c>, <c>xy[2 * i + 1]</c> are the coordinates of point i and <c>labels[i]</c> its class.
/// Exact O(n²) on purpose: test sets are a few thousand points at most, and a reference must be obviously right.
/// </summary>
public static class LayoutQuality
{
    /// <summary>
    /// The fraction of (point, neighbour) pairs among each point's k nearest 2-D neighbours (itself excluded,
    /// ties broken by index) whose class equals the point's: 1 for perfectly separated classes, about the
    /// share of the largest class for a random layout.
    /// </summary>
    public static double KnnClassAgreement(double[] xy, int[] labels, int k)
    {
        var count = CheckShape(xy, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, count - 1);
        var agreeing = 0L;
        var candidates = new (double Squared, int Index)[count - 1];
        for (var point = 0; point < count; point++)
        {
            var slot = 0;
            for (var other = 0; other < count; other++)
            {
                if (other != point)
                {
                    candidates[slot++] = (SquaredDistance(xy, point, other), other);
                }
            }

            // Tuples compare distance first, then index: coincident points rank deterministically.
            Array.Sort(candidates);
            for (var rank = 0; rank < k; rank++)
            {
                if (labels[candidates[rank].Index] == labels[point])
                {
                    agreeing++;
                }
            }
        }

        return agreeing / (double)(count * (long)k);
    }

    /// <summary>
    /// Mean Euclidean distance between points of the same class divided by the mean distance between points of
    /// different classes: well below 1 for separated clusters, about 1 when classes are mixed.
    /// </summary>
    public static double SeparationRatio(double[] xy, int[] labels)
    {
        var count = CheckShape(xy, labels);
        double intraSum = 0, interSum = 0;
        long intraPairs = 0, interPairs = 0;
        for (var point = 0; point < count; point++)
        {
            for (var other = point + 1; other < count; other++)
            {
                var distance = Math.Sqrt(SquaredDistance(xy, point, other));
                if (labels[point] == labels[other])
                {
                    intraSum += distance;
                    intraPairs++;
                }
                else
                {
                    interSum += distance;
                    interPairs++;
                }
            }
        }

        if (intraPairs == 0 || interPairs == 0)
        {
            throw new ArgumentException("The ratio needs at least two classes and one class with two points.", nameof(labels));
        }

        var meanInter = interSum / interPairs;
        return meanInter == 0 ? double.PositiveInfinity : intraSum / intraPairs / meanInter;
    }

    private static int CheckShape(double[] xy, int[] labels)
    {
        if (xy.Length != 2 * labels.Length)
        {
            throw new ArgumentException($"{xy.Length} coordinates do not fit {labels.Length} labels.", nameof(xy));
        }

        if (labels.Length < 2)
        {
            throw new ArgumentException("A layout score needs at least two points.", nameof(labels));
        }

        return labels.Length;
    }

    private static double SquaredDistance(double[] xy, int left, int right)
    {
        var dx = xy[2 * left] - xy[2 * right];
        var dy = xy[2 * left + 1] - xy[2 * right + 1];
        return dx * dx + dy * dy;
    }
}
