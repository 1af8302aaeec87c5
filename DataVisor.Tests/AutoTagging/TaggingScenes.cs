using SkiaSharp;

namespace DataVisor.Tests.AutoTagging;

/// <summary>
/// Scenes drawn for the built-in tagger: a neutral, textured picture (gradient, shapes, lines, text; mean
/// luma about 120) and copies of it made dark, dim, bright, blurred or noisy, each with the tags the
/// tagger must give it. Also linked into DataVisor.Benchmarks, whose <c>autotag --calibrate</c> prints the
/// measurements the thresholds were chosen from.
/// </summary>
public static class TaggingScenes
{
    public sealed record Family(string Name, string Lighting, string Clarity, Func<int, int, int, SKBitmap> Draw);

    /// <summary>Every family: name, expected lighting and clarity words, and a drawing by (seed, width, height).</summary>
    public static readonly IReadOnlyList<Family> Families =
    [
        new("neutral", "normal", "sharp", Neutral),
        new("dark", "dark", "sharp", (seed, w, h) => Transform(Neutral(seed, w, h), value => value * 0.2)),
        new("dim", "dim", "sharp", (seed, w, h) => Transform(Neutral(seed, w, h), value => value * 0.55)),
        new("bright", "bright", "sharp", (seed, w, h) => Transform(Neutral(seed, w, h), value => 255 - ((255 - value) * 0.3))),
        new("blurred", "normal", "blurry", (seed, w, h) => Blurred(Neutral(seed, w, h), sigma: 0.006f * Math.Max(w, h))),
        new("noisy", "normal", "noisy", (seed, w, h) => Noisy(Neutral(seed, w, h), seed, sigma: 20)),
    ];

    public static Family Get(string name) => Families.Single(family => family.Name == name);

    /// <summary>A busy, mid-grey street-like picture: gradient sky and ground, boxes, poles, discs and text.</summary>
    public static SKBitmap Neutral(int seed, int width, int height)
    {
        var random = new Random(seed);
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        var scale = width / 640f;
        using (var sky = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, height),
                   [new SKColor(150, 165, 185), new SKColor(110, 115, 120)], SKShaderTileMode.Clamp))
        using (var paint = new SKPaint { Shader = sky })
        {
            canvas.DrawRect(0, 0, width, height, paint);
        }

        using var fill = new SKPaint { IsAntialias = true };
        SKColor MidColour() => new((byte)random.Next(50, 210), (byte)random.Next(50, 210), (byte)random.Next(50, 210));
        for (var box = 0; box < 40; box++)
        {
            fill.Color = MidColour();
            canvas.DrawRect(random.Next(width), random.Next(height / 3, height), random.Next(20, 120) * scale, random.Next(20, 140) * scale, fill);
        }

        for (var disc = 0; disc < 30; disc++)
        {
            fill.Color = MidColour();
            canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(5, 40) * scale, fill);
        }

        using var line = new SKPaint { IsAntialias = true, StrokeWidth = 2 * scale, Style = SKPaintStyle.Stroke };
        for (var pole = 0; pole < 40; pole++)
        {
            line.Color = MidColour();
            canvas.DrawLine(random.Next(width), random.Next(height), random.Next(width), random.Next(height), line);
        }

        using var font = new SKFont(SKTypeface.Default, 18 * scale);
        for (var sign = 0; sign < 20; sign++)
        {
            fill.Color = random.Next(2) == 0 ? new SKColor(40, 40, 40) : new SKColor(225, 225, 225);
            canvas.DrawText($"SIGN {random.Next(1000)}", random.Next(width), random.Next(height), SKTextAlign.Left, font, fill);
        }

        return bitmap;
    }

    /// <summary>Applies <paramref name="curve"/> to every channel value (0-255); disposes <paramref name="source"/>.</summary>
    public static SKBitmap Transform(SKBitmap source, Func<double, double> curve)
    {
        var table = new byte[256];
        for (var value = 0; value < 256; value++)
        {
            table[value] = (byte)Math.Clamp(Math.Round(curve(value)), 0, 255);
        }

        using (source)
        {
            var output = source.Copy();
            var pixels = output.GetPixelSpan();
            for (var offset = 0; offset < pixels.Length; offset += 4)
            {
                pixels[offset] = table[pixels[offset]];
                pixels[offset + 1] = table[pixels[offset + 1]];
                pixels[offset + 2] = table[pixels[offset + 2]];
            }

            return output;
        }
    }

    /// <summary>A Gaussian blur of <paramref name="sigma"/> pixels; disposes <paramref name="source"/>.</summary>
    public static SKBitmap Blurred(SKBitmap source, float sigma)
    {
        using (source)
        {
            var output = new SKBitmap(source.Info);
            using var canvas = new SKCanvas(output);
            using var paint = new SKPaint { ImageFilter = SKImageFilter.CreateBlur(sigma, sigma, SKShaderTileMode.Clamp) };
            using var image = SKImage.FromBitmap(source);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear), paint);
            return output;
        }
    }

    /// <summary>Adds the same Gaussian noise of <paramref name="sigma"/> levels to R, G and B; disposes <paramref name="source"/>.</summary>
    public static SKBitmap Noisy(SKBitmap source, int seed, double sigma)
    {
        var random = new Random(seed * 7919);
        using (source)
        {
            var output = source.Copy();
            var pixels = output.GetPixelSpan();
            for (var offset = 0; offset < pixels.Length; offset += 4)
            {
                // Box-Muller.
                var noise = sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                for (var channel = 0; channel < 3; channel++)
                {
                    pixels[offset + channel] = (byte)Math.Clamp(Math.Round(pixels[offset + channel] + noise), 0, 255);
                }
            }

            return output;
        }
    }

    /// <summary>Writes <paramref name="image"/> as a JPEG (disposing it) and returns the path.</summary>
    public static string WriteJpeg(SKBitmap image, string path, int quality = 90)
    {
        using (image)
        using (var data = image.Encode(SKEncodedImageFormat.Jpeg, quality))
        {
            File.WriteAllBytes(path, data.ToArray());
        }

        return path;
    }
}
