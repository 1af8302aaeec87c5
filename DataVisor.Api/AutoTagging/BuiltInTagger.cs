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
/// which would blur them). Resampling is bilinear: Skia's cubic made the decode three times slower here,
/// for no difference a luminance statistic can see.
/// </summary>
/// <remarks>
/// Thresholds were chosen on the images <c>DataVisor.Benchmarks autotag --calibrate</c> generates (the
/// tests' TaggingScenes as JPEGs at quality 90 in three sizes: a textured street-like scene with shapes,
/// lines and text, and copies of it made dark, dim, bright, blurred and noisy; docs/PERFORMANCE.md lists
/// the distributions). Each threshold sits between the ranges the neighbouring families produced.
/// </remarks>
internal static class BuiltInTagger
{
    public const int WorkingSize = 512;

    // Lighting, from the mean luma (0-255) and the share of blown-out pixels. Measured (30 seeds each at
    // 640x480, 1280x960 and 400x300): dark copies 26.6-28.6, dim 73.4-78.6, neutral 133.6-142.9, bright
    // 218.4-221.3; no family clips. The cuts sit between those ranges, about where the picture looks
    // night-like (< 50), under-exposed (< 95) or washed out (> 185). A picture a quarter blown out
    // (sky, flash) is bright whatever its mean.
    internal const double DarkBelowMean = 50;
    internal const double DimBelowMean = 95;
    internal const double BrightAboveMean = 185;
    internal const double BrightHighlightShare = 0.25;

    // Clarity. Noise first: noise inflates the Laplacian (noisy sharpness 1.1-10.8), so a noisy image
    // would otherwise look sharp. Noise sigma at the working size: noisy copies (sigma 20 added at full
    // size) 20.8-21.3 at 400x300, 7.9-8.2 at 640x480 and 5.4-5.7 at 1280x960 (the downscale averages
    // noise away); every other family 0-0.25. Sharpness (Var(Laplacian)/Var(luma)): every sharp family
    // 0.28-1.09, blurred copies 0.00-0.01; a blur of sigma 1 working pixel gives 0.04-0.06 (soft, not
    // tagged), 1.5 gives 0.01 (tagged). The cut is low on purpose: photos have less fine detail than
    // drawings, and a dataset tool should not call half of them blurry.
    internal const double NoisyAboveSigma = 4;
    internal const double BlurryBelowSharpness = 0.03;

    /// <summary>Null when the file is missing or not a complete image.</summary>
    public static WorkingImage? Decode(string path)
    {
        var (oriented, _) = ThumbnailRenderer.RenderBitmap(path, WorkingSize, bilinear: true);
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
