using SkiaSharp;

namespace DataVisor.Api.Images;

/// <summary>Why a thumbnail could not be made: the two 404s of R14 (contract §4.4, D13).</summary>
public enum ThumbnailFailure
{
    None,
    FileNotFound,
    Undecodable,
}

/// <summary>
/// Contract §5.7: decode, apply the EXIF orientation (D12), shrink so the longest side is at most the
/// target (never enlarge), composite over white and encode as lossy WebP.
/// </summary>
/// <remarks>
/// Decoding dominates the cost, so JPEGs are decoded at a reduced scale first (libjpeg's DCT scaling, 1/8
/// steps, never below the output size) and only the small remaining ratio is resampled: two to two and a
/// half times the throughput of a full decode on 1080p photos (docs/PERFORMANCE.md). A truncated file is treated as undecodable: Skia
/// reports <see cref="SKCodecResult.IncompleteInput"/> and would fill the missing rows, and a dataset tool
/// should surface a broken image rather than show a plausible-looking half of it.
/// </remarks>
public static class ThumbnailRenderer
{
    public readonly record struct Rendered(byte[]? Webp, ThumbnailFailure Failure);

    public static Rendered Render(string path, int longestSide, int quality, bool reducedScaleDecoding = true)
    {
        var (oriented, failure) = RenderBitmap(path, longestSide, reducedScaleDecoding);
        using (oriented)
        {
            if (oriented is null)
            {
                return new Rendered(null, failure);
            }

            using var encoded = oriented.Encode(SKEncodedImageFormat.Webp, quality);
            return encoded is null ? new Rendered(null, ThumbnailFailure.Undecodable) : new Rendered(encoded.ToArray(), ThumbnailFailure.None);
        }
    }

    /// <summary>
    /// The decode every feature shares (thumbnails, auto-tagging): EXIF orientation applied, longest side at
    /// most <paramref name="longestSide"/>, opaque over white, in <see cref="SKImageInfo.PlatformColorType"/>.
    /// Null with the reason when the file is missing or not a complete image; the caller owns the bitmap.
    /// </summary>
    /// <param name="bilinear">
    /// Bilinear instead of Mitchell cubic resampling, for callers that measure pixels rather than show them:
    /// Skia's cubic costs several times the decode itself (docs/PERFORMANCE.md, auto-tagging).
    /// </param>
    public static (SKBitmap? Oriented, ThumbnailFailure Failure) RenderBitmap(
        string path, int longestSide, bool reducedScaleDecoding = true, bool bilinear = false)
    {
        SKData? data;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            data = SKData.Create(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, ThumbnailFailure.FileNotFound);
        }

        using (data)
        {
            if (data is null)
            {
                // An empty file: nothing to decode.
                return (null, ThumbnailFailure.Undecodable);
            }

            using var codec = SKCodec.Create(data);
            if (codec is null)
            {
                return (null, ThumbnailFailure.Undecodable);
            }

            using var decoded = Decode(codec, longestSide, reducedScaleDecoding);
            if (decoded is null)
            {
                return (null, ThumbnailFailure.Undecodable);
            }

            return (Draw(decoded, codec.Info.Size, codec.EncodedOrigin, longestSide, bilinear), ThumbnailFailure.None);
        }
    }

    /// <summary>The oriented output size of §5.7: <c>round(W·s) × round(H·s)</c>, each at least 1, never enlarged.</summary>
    public static SKSizeI OutputSize(SKSizeI oriented, int longestSide)
    {
        var longest = Math.Max(oriented.Width, oriented.Height);
        if (longest <= longestSide)
        {
            return oriented;
        }

        var scale = (double)longestSide / longest;
        return new SKSizeI(
            Math.Max(1, (int)Math.Round(oriented.Width * scale, MidpointRounding.AwayFromZero)),
            Math.Max(1, (int)Math.Round(oriented.Height * scale, MidpointRounding.AwayFromZero)));
    }

    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    private static SKBitmap? Decode(SKCodec codec, int longestSide, bool reducedScaleDecoding)
    {
        var full = codec.Info.Size;
        var decodeSize = full;
        if (reducedScaleDecoding)
        {
            // The output size in the stored (unrotated) orientation; the decode must not go below it.
            var orientedFull = SwapsAxes(codec.EncodedOrigin) ? new SKSizeI(full.Height, full.Width) : full;
            var output = OutputSize(orientedFull, longestSide);
            var needed = SwapsAxes(codec.EncodedOrigin) ? new SKSizeI(output.Height, output.Width) : output;
            for (var eighths = 1; eighths < 8; eighths++)
            {
                var scaled = codec.GetScaledDimensions(eighths / 8f);
                if (scaled.Width >= needed.Width && scaled.Height >= needed.Height)
                {
                    decodeSize = scaled;
                    break;
                }
            }
        }

        var bitmap = TryGetPixels(codec, decodeSize);
        if (bitmap is null && decodeSize != full)
        {
            bitmap = TryGetPixels(codec, full);
        }

        return bitmap;
    }

    private static SKBitmap? TryGetPixels(SKCodec codec, SKSizeI size)
    {
        var info = new SKImageInfo(size.Width, size.Height, SKImageInfo.PlatformColorType, SKAlphaType.Premul);
        var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info))
        {
            bitmap.Dispose();
            return null;
        }

        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success)
        {
            return bitmap;
        }

        bitmap.Dispose();
        return null;
    }

    private static SKBitmap Draw(SKBitmap decoded, SKSizeI full, SKEncodedOrigin origin, int longestSide, bool bilinear)
    {
        var swap = SwapsAxes(origin);
        var orientedFull = swap ? new SKSizeI(full.Height, full.Width) : full;
        var output = OutputSize(orientedFull, longestSide);
        var orientedDecoded = swap ? new SKSizeI(decoded.Height, decoded.Width) : new SKSizeI(decoded.Width, decoded.Height);

        var surface = new SKBitmap(new SKImageInfo(output.Width, output.Height, SKImageInfo.PlatformColorType, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(surface))
        using (var image = SKImage.FromBitmap(decoded))
        {
            // No alpha in the output (§5.7): transparent pixels end up over white.
            canvas.Clear(SKColors.White);
            canvas.Scale((float)output.Width / orientedDecoded.Width, (float)output.Height / orientedDecoded.Height);
            canvas.Concat(OrientationMatrix(origin, decoded.Width, decoded.Height));
            var ratio = (double)orientedDecoded.Width / output.Width;
            // Cubic is sharp for the small ratios left after a reduced-scale decode; larger ratios (PNG and
            // other formats without DCT scaling) need mipmaps, or cubic would alias.
            var sampling = ratio <= 2.5
                ? bilinear ? new SKSamplingOptions(SKFilterMode.Linear) : new SKSamplingOptions(SKCubicResampler.Mitchell)
                : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
            using var paint = new SKPaint();
            canvas.DrawImage(image, 0, 0, sampling, paint);
        }

        return surface;
    }

    /// <summary>Maps stored pixels of a <paramref name="width"/>×<paramref name="height"/> image to the displayed orientation.</summary>
    internal static SKMatrix OrientationMatrix(SKEncodedOrigin origin, int width, int height) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, width, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, width, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, height, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, height, -1, 0, width, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, width, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}
