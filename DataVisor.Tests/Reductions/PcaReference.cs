using DataVisor.Api.Reductions;

namespace DataVisor.Tests.Reductions;

/// <summary>
/// An independent PCA for the tests: the covariance in plain double loops and its top two eigenvectors by
/// power iteration with deflation, signed by §6.10's rule. Slow and obviously right.
/// </summary>
public static class PcaReference
{
    public static double[] Project(VectorSet vectors, int iterations = 2000)
    {
        var (count, dimension) = (vectors.Count, vectors.Dimension);
        var centred = new double[count, dimension];
        for (var axis = 0; axis < dimension; axis++)
        {
            double mean = 0;
            for (var row = 0; row < count; row++)
            {
                mean += vectors.Values[row * dimension + axis];
            }

            mean /= count;
            for (var row = 0; row < count; row++)
            {
                centred[row, axis] = vectors.Values[row * dimension + axis] - mean;
            }
        }

        var covariance = new double[dimension, dimension];
        for (var left = 0; left < dimension; left++)
        {
            for (var right = 0; right < dimension; right++)
            {
                double sum = 0;
                for (var row = 0; row < count; row++)
                {
                    sum += centred[row, left] * centred[row, right];
                }

                covariance[left, right] = sum / (count - 1);
            }
        }

        var layout = new double[2 * count];
        for (var component = 0; component < 2; component++)
        {
            var (vector, value) = TopEigenvector(covariance, dimension, iterations);
            Orient(vector);
            for (var row = 0; row < count; row++)
            {
                double dot = 0;
                for (var axis = 0; axis < dimension; axis++)
                {
                    dot += centred[row, axis] * vector[axis];
                }

                layout[2 * row + component] = dot;
            }

            // Deflation: the next power iteration finds the next eigenvector.
            for (var left = 0; left < dimension; left++)
            {
                for (var right = 0; right < dimension; right++)
                {
                    covariance[left, right] -= value * vector[left] * vector[right];
                }
            }
        }

        return layout;
    }

    private static (double[] Vector, double Value) TopEigenvector(double[,] matrix, int dimension, int iterations)
    {
        var vector = new double[dimension];
        for (var axis = 0; axis < dimension; axis++)
        {
            vector[axis] = 1.0 + 0.01 * axis;
        }

        double value = 0;
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var next = new double[dimension];
            for (var left = 0; left < dimension; left++)
            {
                for (var right = 0; right < dimension; right++)
                {
                    next[left] += matrix[left, right] * vector[right];
                }
            }

            var norm = Math.Sqrt(next.Sum(item => item * item));
            value = norm;
            vector = [.. next.Select(item => item / norm)];
        }

        return (vector, value);
    }

    private static void Orient(double[] vector)
    {
        var strongest = 0;
        for (var axis = 1; axis < vector.Length; axis++)
        {
            if (Math.Abs(vector[axis]) > Math.Abs(vector[strongest]))
            {
                strongest = axis;
            }
        }

        if (vector[strongest] < 0)
        {
            for (var axis = 0; axis < vector.Length; axis++)
            {
                vector[axis] = -vector[axis];
            }
        }
    }
}
