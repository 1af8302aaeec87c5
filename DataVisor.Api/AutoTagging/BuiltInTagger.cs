using DataVisor.Api.Images;
using SkiaSharp;

namespace DataVisor.Api.AutoTagging;

/// <summary>An image decoded for tagging: oriented, at the working size. Owns the bitmap.</summary>
internal sealed class WorkingImage(SKBitmap pixels, ImageMeasurements measurements) : IDisposable
{
    public SKBitmap Pixels { get; } = pixels;

    public ImageMeasurements Measurements { get; } = measurements;

    public void Dispose() => Pixels.Dispose();
}

/// <summary>
/// The built-in tagger (§6.13, D27): one <c>lighting</c> and one <c>clarity</c> word per image, measured
/// without any model. Images are decoded like thumbnails (EXIF orientation applied, §5.7) at a working size
/// whose longest side is <see cref="WorkingSize"/>, so the cost per image is bounded and a threshold means
/// the same for a phone photo and a 640x480 frame; smaller images are measured as they are (never enlarged,
/// which would blur them).
/// </summary>
/// <remarks>
/// Thresholds were chosen on the images <c>DataVisor.Benchmarks autotag --calibrate</c> generates (640x480
/// JPEGs at quality 90: a textured street-like scene with shapes, lines and text, and copies of it made
/// dark, dim, bright, blurred and noisy; docs/PERFORMANCE.md lists the measured distributions). Each
/// threshold sits between the ranges the neighbouring families produced, with margin on both sides.
/// </remarks>
internal static class BuiltInTagger
{
    public const int WorkingSize = 512;

    // Lighting, from the mean luma (0-255) and the share of blown-out pixels.
    internal const double DarkBelowMean = 50;
    internal const double DimBelowMean = 95;
    internal const double BrightAboveMean = 185;
    internal const double BrightHighlightShare = 0.25;

    // Clarity. Noise first: noise inflates the Laplacian, so a noisy image would otherwise look sharp.
    internal const double NoisyAboveSigma = 5;
    internal const double BlurryBelowSharpness = 0.03;

    /// <summary>Null when the file is missing or not a complete image.</summary>
    public static WorkingImage? Decode(string path)
    {
        var (oriented, _) = ThumbnailRenderer.RenderBitmap(path, WorkingSize);
        return oriented is null ? null : new WorkingImage(oriented, ImageMeasurements.Of(oriented));
    }

    public static string Lighting(ImageMeasurements image) =>
        image.MeanLuma < DarkBelowMean ? "dark"
        : image.MeanLuma < DimBelowMean ? "dim"
        : image.MeanLuma > BrightAboveMean || image.HighlightFraction > BrightHighlightShare ? "bright"
        : "normal";

    public static string Clarity(ImageMeasurements image) =>
        image.NoiseSigma > NoisyAboveSigma ? "noisy"
        : image.Sharpness < BlurryBelowSharpness ? "blurry"
        : "sharp";
}
