using System.Numerics.Tensors;
using SkiaSharp;

namespace DataVisor.Api.AutoTagging;

/// <summary>
/// What the built-in tagger knows about one image, measured on its luma at the working size.
/// </summary>
/// <param name="Width">Oriented width of the measured (working-size) image.</param>
/// <param name="Height">Oriented height of the measured image.</param>
/// <param name="MeanLuma">Mean luma, 0-255.</param>
/// <param name="MedianLuma">50th percentile of luma.</param>
/// <param name="HighlightFraction">Share of pixels with luma ≥ 250 (blown-out highlights).</param>
/// <param name="LaplacianVariance">Variance of the 4-neighbour Laplacian of luma.</param>
/// <param name="LumaVariance">Variance of luma itself.</param>
/// <param name="NoiseSigma">Estimated standard deviation of additive noise, in luma levels.</param>
internal readonly record struct ImageMeasurements(
    int Width,
    int Height,
    double MeanLuma,
    double MedianLuma,
    double HighlightFraction,
    double LaplacianVariance,
    double LumaVariance,
    double NoiseSigma)
{
    /// <summary>
    /// Var(Laplacian) / Var(luma): the share of the image's contrast that sits in the finest detail. Scaling
    /// the brightness or contrast (a dark or washed-out copy) scales both terms alike, so clarity does not
    /// depend on lighting, which the raw Laplacian variance would.
    /// </summary>
    public double Sharpness => LumaVariance < 1 ? 0 : LaplacianVariance / LumaVariance;

    /// <summary>Measures an oriented bitmap in <see cref="SKColorType.Rgba8888"/> or <see cref="SKColorType.Bgra8888"/>.</summary>
    public static ImageMeasurements Of(SKBitmap image)
    {
        var (width, height) = (image.Width, image.Height);
        var luma = Luma(image);
        var histogram = new long[256];
        foreach (var value in luma)
        {
            histogram[(int)value]++;
        }

        var pixels = (double)luma.Length;
        var mean = TensorPrimitives.Sum<float>(luma) / pixels;
        var variance = Math.Max(0, (TensorPrimitives.SumOfSquares<float>(luma) / pixels) - (mean * mean));
        var highlights = histogram.AsSpan(250).ToArray().Sum() / pixels;
        var (laplacianVariance, noiseSigma) = width >= 3 && height >= 3 ? HighFrequency(luma, width, height) : (0, 0);
        return new ImageMeasurements(width, height, mean, Percentile(histogram, luma.Length, 0.5), highlights, laplacianVariance, variance, noiseSigma);
    }

    /// <summary>
    /// Rec. 601 luma (0.299 R + 0.587 G + 0.114 B) rounded to whole levels, as 8-bit JPEG luma is: the
    /// rounding makes every filter response below an integer, so the noise median can come from a histogram.
    /// </summary>
    private static float[] Luma(SKBitmap image)
    {
        var (red, blue) = image.ColorType switch
        {
            SKColorType.Rgba8888 => (0, 2),
            SKColorType.Bgra8888 => (2, 0),
            _ => throw new ArgumentException($"Unsupported colour type {image.ColorType}.", nameof(image)),
        };
        var pixels = image.GetPixelSpan();
        var rowBytes = image.RowBytes;
        var luma = new float[image.Width * image.Height];
        for (var y = 0; y < image.Height; y++)
        {
            var row = pixels.Slice(y * rowBytes, image.Width * 4);
            var output = luma.AsSpan(y * image.Width, image.Width);
            for (int x = 0, offset = 0; x < output.Length; x++, offset += 4)
            {
                output[x] = ((299 * row[offset + red]) + (587 * row[offset + 1]) + (114 * row[offset + blue]) + 500) / 1000;
            }
        }

        return luma;
    }

    /// <summary>
    /// The Laplacian's variance, and Immerkær's noise estimate made robust to edges: the kernel
    /// [1 -2 1; -2 4 -2; 1 -2 1] (the outer product of two second differences, so it runs as two 1-D
    /// passes) cancels any locally planar image, leaving noise (and edges). For Gaussian noise of σ its
    /// response is normal with standard deviation 6σ, so the median absolute response is 0.6745·6σ; the
    /// median, unlike Immerkær's mean, ignores the minority of pixels on edges.
    /// </summary>
    private static (double LaplacianVariance, double NoiseSigma) HighFrequency(float[] luma, int width, int height)
    {
        var inner = width - 2;
        // Horizontal second differences of three consecutive rows, rotated as the window moves down.
        var second = new[] { new float[inner], new float[inner], new float[inner] };
        var laplacian = new float[inner];
        var response = new float[inner];
        var noiseHistogram = new long[(16 * 255) + 1];
        double laplacianSum = 0, laplacianSquares = 0;
        Span<float> Row(int y) => luma.AsSpan(y * width, width);
        void SecondDifference(int y, float[] destination)
        {
            var row = Row(y);
            TensorPrimitives.Add(row[..inner], row[2..], destination);
            TensorPrimitives.MultiplyAdd(row.Slice(1, inner), -2f, destination, destination);
        }

        SecondDifference(0, second[0]);
        SecondDifference(1, second[1]);
        for (var y = 1; y < height - 1; y++)
        {
            SecondDifference(y + 1, second[(y + 1) % 3]);
            var (above, centre, below) = (second[(y - 1) % 3], second[y % 3], second[(y + 1) % 3]);

            // Laplacian = horizontal second difference + vertical second difference.
            TensorPrimitives.Add(Row(y - 1).Slice(1, inner), Row(y + 1).Slice(1, inner), laplacian);
            TensorPrimitives.MultiplyAdd(Row(y).Slice(1, inner), -2f, laplacian, laplacian);
            TensorPrimitives.Add(laplacian, centre, laplacian);
            laplacianSum += TensorPrimitives.Sum<float>(laplacian);
            laplacianSquares += TensorPrimitives.SumOfSquares<float>(laplacian);

            TensorPrimitives.Add(above, below, response);
            TensorPrimitives.MultiplyAdd(centre, -2f, response, response);
            TensorPrimitives.Abs<float>(response, response);
            foreach (var value in response)
            {
                noiseHistogram[(int)value]++;
            }
        }

        var count = (double)inner * (height - 2);
        var mean = laplacianSum / count;
        var laplacianVariance = Math.Max(0, (laplacianSquares / count) - (mean * mean));
        var medianResponse = Percentile(noiseHistogram, (long)count, 0.5);
        return (laplacianVariance, medianResponse / (0.6745 * 6));
    }

    /// <summary>The smallest bin value with at least <paramref name="quantile"/> of the counts at or below it.</summary>
    private static double Percentile(long[] histogram, long total, double quantile)
    {
        var target = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var bin = 0; bin < histogram.Length; bin++)
        {
            seen += histogram[bin];
            if (seen >= target && seen > 0)
            {
                return bin;
            }
        }

        return histogram.Length - 1;
    }
}
