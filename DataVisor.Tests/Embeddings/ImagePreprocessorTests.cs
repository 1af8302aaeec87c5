using DataVisor.Api.Embeddings;
using DataVisor.Tests.Ingestion;
using SkiaSharp;

namespace DataVisor.Tests.Embeddings;

public sealed class ImagePreprocessorTests : IDisposable
{
    private const int Blue = 0, Green = 1, Red = 2;

    private static readonly ImagePreprocessor Preprocessor =
        ImagePreprocessor.FromOnnx(Path.Combine(EmbeddingModelRegistry.DefaultBuiltInModelDirectory, "ResNetPreprocess.onnx"));

    private readonly string _folder = Directory.CreateTempSubdirectory("datavisor-preprocess-").FullName;

    [Fact]
    public void The_mean_image_averages_to_the_documented_channel_means()
    {
        double[] sums = [0, 0, 0];
        for (var channel = 0; channel < 3; channel++)
        {
            for (var y = 0; y < ImagePreprocessor.Size; y++)
            {
                for (var x = 0; x < ImagePreprocessor.Size; x++)
                {
                    sums[channel] += Preprocessor.Mean(channel, x, y);
                }
            }
        }

        Assert.Equal(103.06, sums[Blue] / ImagePreprocessor.PixelsPerChannel, 2);
        Assert.Equal(115.90, sums[Green] / ImagePreprocessor.PixelsPerChannel, 2);
        Assert.Equal(123.15, sums[Red] / ImagePreprocessor.PixelsPerChannel, 2);
    }

    [Fact]
    public void A_tiny_image_is_centre_cropped_resized_and_becomes_bgr_minus_the_mean()
    {
        // 16x8: green | red | blue | green, four columns each. The centred 8x8 square is red | blue only.
        var path = Path.Combine(_folder, "tiny.png");
        using (var bitmap = new SKBitmap(new SKImageInfo(16, 8, SKColorType.Rgba8888, SKAlphaType.Premul)))
        {
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Clear(SKColors.Lime);
                canvas.DrawRect(4, 0, 4, 8, new SKPaint { Color = new SKColor(255, 0, 0) });
                canvas.DrawRect(8, 0, 4, 8, new SKPaint { Color = new SKColor(0, 0, 255) });
            }

            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, png.ToArray());
        }

        var values = new float[ImagePreprocessor.ValuesPerImage];
        Assert.True(Preprocessor.TryPreprocess(path, values));

        foreach (var (x, y) in new[] { (0, 0), (20, 100), (30, 223) })
        {
            AssertPixel(values, x, y, red: 255, green: 0, blue: 0);
        }

        foreach (var (x, y) in new[] { (223, 0), (200, 100), (195, 223) })
        {
            AssertPixel(values, x, y, red: 0, green: 0, blue: 255);
        }

        // No green survives the crop, not even blended into the edges.
        for (var y = 0; y < ImagePreprocessor.Size; y++)
        {
            Assert.Equal(0f - Preprocessor.Mean(Green, 0, y), Value(values, Green, 0, y));
            Assert.Equal(0f - Preprocessor.Mean(Green, 223, y), Value(values, Green, 223, y));
        }
    }

    [Fact]
    public void The_exif_orientation_is_applied_before_cropping()
    {
        // Stored 64x32, top-left quarter red on blue. Orientation 6 turns it a quarter clockwise to 32x64 with
        // the red quarter at the top right; the centred square keeps rows 16-47, so red fills the top-right
        // quarter of the input. Without the orientation the red is at the top left.
        var rotated = Path.Combine(_folder, "rotated.jpg");
        var upright = Path.Combine(_folder, "upright.jpg");
        TestImages.WriteCornerMarkedJpeg(rotated, 64, 32, exifOrientation: 6);
        TestImages.WriteCornerMarkedJpeg(upright, 64, 32);

        var values = new float[ImagePreprocessor.ValuesPerImage];
        Assert.True(Preprocessor.TryPreprocess(rotated, values));
        AssertRoughly(values, 200, 20, isRed: true);
        AssertRoughly(values, 20, 20, isRed: false);
        AssertRoughly(values, 200, 200, isRed: false);
        AssertRoughly(values, 20, 200, isRed: false);

        Assert.True(Preprocessor.TryPreprocess(upright, values));
        AssertRoughly(values, 20, 20, isRed: true);
        AssertRoughly(values, 200, 20, isRed: false);
    }

    [Fact]
    public void Unreadable_files_are_reported_not_thrown()
    {
        var values = new float[ImagePreprocessor.ValuesPerImage];
        var garbage = Path.Combine(_folder, "garbage.jpg");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5]);
        var empty = Path.Combine(_folder, "empty.png");
        File.WriteAllBytes(empty, []);
        var truncated = Path.Combine(_folder, "truncated.jpg");
        TestImages.WriteJpeg(truncated, 300, 200);
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..400]);

        Assert.False(Preprocessor.TryPreprocess(garbage, values));
        Assert.False(Preprocessor.TryPreprocess(empty, values));
        Assert.False(Preprocessor.TryPreprocess(truncated, values));
        Assert.False(Preprocessor.TryPreprocess(Path.Combine(_folder, "missing.jpg"), values));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static float Value(float[] values, int channel, int x, int y) =>
        values[(channel * ImagePreprocessor.PixelsPerChannel) + (y * ImagePreprocessor.Size) + x];

    private static void AssertPixel(float[] values, int x, int y, byte red, byte green, byte blue)
    {
        Assert.Equal(blue - Preprocessor.Mean(Blue, x, y), Value(values, Blue, x, y));
        Assert.Equal(green - Preprocessor.Mean(Green, x, y), Value(values, Green, x, y));
        Assert.Equal(red - Preprocessor.Mean(Red, x, y), Value(values, Red, x, y));
    }

    /// <summary>JPEG-tolerant: red is (255, 0, 0), blue (0, 0, 255), each within 40.</summary>
    private static void AssertRoughly(float[] values, int x, int y, bool isRed)
    {
        var red = Value(values, Red, x, y) + Preprocessor.Mean(Red, x, y);
        var blue = Value(values, Blue, x, y) + Preprocessor.Mean(Blue, x, y);
        Assert.InRange(red, isRed ? 215 : -1, isRed ? 256 : 40);
        Assert.InRange(blue, isRed ? -1 : 215, isRed ? 40 : 256);
    }
}
