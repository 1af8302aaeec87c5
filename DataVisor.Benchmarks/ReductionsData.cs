using System.Text;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Embeddings;
using DataVisor.Api.Reductions;
using SkiaSharp;

namespace DataVisor.Benchmarks;

/// <summary>The inputs of the <c>reductions</c> benchmark: vectors with known classes, and .npy files for Python.</summary>
internal static class ReductionsData
{
    /// <summary>
    /// Gaussian clusters around random centres: every coordinate of a centre and of the noise is N(0, 1),
    /// so points of one cluster have a cosine of about 0.5 and of different clusters about 0 in high
    /// dimension — well separated, with a within-cluster structure that is pure noise.
    /// </summary>
    public static (VectorSet Vectors, int[] Labels) GaussianClusters(int count, int dimension, int clusters, int seed)
    {
        var random = new Random(seed);
        var centres = new float[clusters * dimension];
        for (var index = 0; index < centres.Length; index++)
        {
            centres[index] = (float)Normal(random);
        }

        var labels = new int[count];
        var values = new float[count * dimension];
        for (var row = 0; row < count; row++)
        {
            labels[row] = random.Next(clusters);
            for (var column = 0; column < dimension; column++)
            {
                values[row * dimension + column] = centres[labels[row] * dimension + column] + (float)Normal(random);
            }
        }

        return (new VectorSet(values, count, dimension), labels);
    }

    /// <summary>
    /// ResNet-18 embeddings (the built-in model, as the generation job computes them) of drawn 224x224
    /// pictures in 10 classes: five shapes (disc, square, ellipse, ring, stripes) in two colour families, each with a random size, position,
    /// rotation, background shade and a few distractor dots.
    /// </summary>
    public static (VectorSet Vectors, int[] Labels) DrawnImageEmbeddings(int count, int seed)
    {
        using var registry = new EmbeddingModelRegistry(EmbeddingModelRegistry.DefaultBuiltInModelDirectory);
        var model = registry.Load(EmbeddingModelRegistry.BuiltInModelName);
        var random = new Random(seed);
        var labels = new int[count];
        var values = new float[count * ResNetFeatureExtractor.FeatureDimension];
        var batchPixels = new float[EmbeddingGenerator.BatchSize * ImagePreprocessor.ValuesPerImage];
        for (var start = 0; start < count; start += EmbeddingGenerator.BatchSize)
        {
            var batch = Math.Min(EmbeddingGenerator.BatchSize, count - start);
            for (var slot = 0; slot < batch; slot++)
            {
                labels[start + slot] = random.Next(10);
                using var bitmap = DrawPicture(labels[start + slot], random);
                model.Preprocessor.Preprocess(bitmap, batchPixels.AsSpan(slot * ImagePreprocessor.ValuesPerImage, ImagePreprocessor.ValuesPerImage));
            }

            var features = model.Embed(batchPixels[..(batch * ImagePreprocessor.ValuesPerImage)], batch);
            features.CopyTo(values, start * ResNetFeatureExtractor.FeatureDimension);
        }

        return (new VectorSet(values, count, ResNetFeatureExtractor.FeatureDimension), labels);
    }

    private static SKBitmap DrawPicture(int label, Random random)
    {
        const int side = ImagePreprocessor.Size;
        var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        var shade = (byte)random.Next(40, 220);
        canvas.Clear(new SKColor(shade, (byte)(shade * 0.9), (byte)(255 - shade)));
        using var dots = new SKPaint { Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)), IsAntialias = true };
        for (var dot = 0; dot < 6; dot++)
        {
            canvas.DrawCircle(random.Next(side), random.Next(side), random.Next(2, 8), dots);
        }

        // Warm colours for classes 0-4, cold ones for 5-9, each with a little jitter.
        var warm = label < 5;
        var jitter = (byte)random.Next(0, 60);
        using var paint = new SKPaint
        {
            Color = warm ? new SKColor(255, jitter, (byte)(jitter / 2)) : new SKColor(jitter, (byte)(120 + jitter), 255),
            IsAntialias = true,
        };
        var size = random.Next(50, 100);
        canvas.Translate(random.Next(60, side - 60), random.Next(60, side - 60));
        canvas.RotateDegrees(random.Next(0, 360));
        switch (label % 5)
        {
            case 0:
                canvas.DrawCircle(0, 0, size / 2f, paint);
                break;
            case 1:
                canvas.DrawRect(-size / 2f, -size / 2f, size, size, paint);
                break;
            case 2:
                canvas.DrawOval(0, 0, size / 2f, size / 5f, paint);
                break;
            case 3:
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = size / 8f;
                canvas.DrawCircle(0, 0, size / 2f, paint);
                break;
            default:
                for (var stripe = -size; stripe < size; stripe += 16)
                {
                    canvas.DrawRect(stripe, -size, 8, 2 * size, paint);
                }

                break;
        }

        return bitmap;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());

    public static void WriteNpy(string path, float[] values, params int[] shape) =>
        WriteNpy(path, "<f4", shape, writer => Array.ForEach(values, writer.Write));

    public static void WriteNpy(string path, double[] values, params int[] shape) =>
        WriteNpy(path, "<f8", shape, writer => Array.ForEach(values, writer.Write));

    public static void WriteNpy(string path, int[] values, params int[] shape) =>
        WriteNpy(path, "<i4", shape, writer => Array.ForEach(values, writer.Write));

    /// <summary>NumPy's format 1.0: magic, a little-endian header length, a padded dict literal, raw data.</summary>
    private static void WriteNpy(string path, string dtype, int[] shape, Action<BinaryWriter> writeValues)
    {
        var dimensions = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var header = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {dimensions}, }}";
        // Magic (6) + version (2) + length (2) + header + newline is padded to a multiple of 64 bytes.
        var padded = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        writer.Write((ushort)padded.Length);
        writer.Write(Encoding.ASCII.GetBytes(padded));
        writeValues(writer);
    }
}
