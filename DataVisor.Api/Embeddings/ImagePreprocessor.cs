using DataVisor.Api.Images;
using SkiaSharp;

namespace DataVisor.Api.Embeddings;

/// <summary>
/// Turns an image file into the ResNet's input: decode, apply the EXIF orientation, crop the centred square
/// and resize it to 224x224, then normalise. For the built-in model that is the package's
/// ResNetPreprocess.onnx: RGB 0-255 reordered to BGR, minus its 3x224x224 ImageNet mean image (per-pixel;
/// its channel averages are B 103.06, G 115.90, R 123.15), no std scaling. A user-supplied model may
/// instead give a per-channel mean and std and its channel order. Output is CHW float32.
/// </summary>
/// <remarks>
/// The resize is ML.NET's default for this featurizer (isotropic scale with a centred crop, so the aspect
/// ratio is kept and the borders of the longer side are cut), done with Skia: JPEGs are first decoded at a
/// reduced DCT scale no smaller than the crop needs, then Mitchell cubic resampling for ratios up to 2.5
/// and trilinear (mipmapped) filtering for larger shrinks, as the thumbnails do. The crop is an exact
/// integer square of the decoded pixels, so nothing outside it bleeds into the edge pixels. Transparent
/// pixels are composited over white.
/// </remarks>
internal sealed class ImagePreprocessor
{
    public const int Size = ResNetFeatureExtractor.InputSize;
    public const int PixelsPerChannel = Size * Size;
    public const int ValuesPerImage = 3 * PixelsPerChannel;

    private readonly float[] _meanBgr;
    private readonly float[] _inverseStdBgr;

    /// <summary>Output channel c holds RGBA byte <c>_sourceChannel[c]</c> of each pixel (2, 1, 0 for BGR).</summary>
    private readonly int[] _sourceChannel;

    /// <param name="meanBgr">The mean image in BGR CHW order, 3 x 224 x 224 values.</param>
    public ImagePreprocessor(float[] meanBgr)
        : this(meanBgr, [1f, 1f, 1f], bgr: true)
    {
    }

    /// <param name="mean">The mean image, 3 x 224 x 224 values in the output's channel order.</param>
    /// <param name="std">Per-channel divisors in the output's channel order.</param>
    /// <param name="bgr">True: output channels B, G, R; false: R, G, B.</param>
    private ImagePreprocessor(float[] mean, float[] std, bool bgr)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(mean.Length, ValuesPerImage);
        ArgumentOutOfRangeException.ThrowIfNotEqual(std.Length, 3);
        _meanBgr = mean;
        _inverseStdBgr = [.. std.Select(value => 1f / value)];
        _sourceChannel = bgr ? [2, 1, 0] : [0, 1, 2];
    }

    /// <summary>
    /// Per-channel normalisation: (value − mean) / std on 0-255 values, channels in
    /// <paramref name="bgr"/> order (BGR) or RGB; <paramref name="mean"/> and <paramref name="std"/> are in
    /// that same order.
    /// </summary>
    public static ImagePreprocessor PerChannel(float[] mean, float[] std, bool bgr)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(mean.Length, 3);
        var meanImage = new float[ValuesPerImage];
        for (var channel = 0; channel < 3; channel++)
        {
            meanImage.AsSpan(channel * PixelsPerChannel, PixelsPerChannel).Fill(mean[channel]);
        }

        return new ImagePreprocessor(meanImage, std, bgr);
    }

    /// <summary>
    /// Reads the mean image from the package's ResNetPreprocess.onnx, checking that the graph is the
    /// Split (R, G, B) -> Concat (B, G, R) -> Sub (mean) it is known to be.
    /// </summary>
    public static ImagePreprocessor FromOnnx(string preprocessOnnxPath)
    {
        var graph = OnnxWeightReader.Read(preprocessOnnxPath);
        var ops = graph.Nodes.Select(node => node.OpType).ToArray();
        if (ops is not ["Split", "Concat", "Sub"]
            || graph.Nodes[0].Outputs is not [var red, var green, var blue]
            || !graph.Nodes[1].Inputs.SequenceEqual([blue, green, red]))
        {
            throw new InvalidDataException($"{preprocessOnnxPath} is not the expected RGB -> BGR -> minus mean graph.");
        }

        var mean = graph.Initializer(graph.Nodes[2].Inputs[1]);
        if (!mean.Dims.SequenceEqual([1L, 3, Size, Size]))
        {
            throw new InvalidDataException($"The mean image has dims [{string.Join(", ", mean.Dims)}]; expected [1, 3, {Size}, {Size}].");
        }

        return new ImagePreprocessor(mean.Values);
    }

    /// <summary>The mean subtracted from output channel <paramref name="channel"/> (0 = B, 1 = G, 2 = R for BGR) at a pixel.</summary>
    public float Mean(int channel, int x, int y) => _meanBgr[(channel * PixelsPerChannel) + (y * Size) + x];

    /// <summary>
    /// Decodes and preprocesses the image at <paramref name="path"/> into <paramref name="destination"/>
    /// (<see cref="ValuesPerImage"/> values); false when the file is missing, unreadable or not an image.
    /// </summary>
    public bool TryPreprocess(string path, Span<float> destination)
    {
        SKData? data;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            data = SKData.Create(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }

        using (data)
        {
            return data is not null && TryPreprocess(data, destination);
        }
    }

    public bool TryPreprocess(SKData encoded, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(destination.Length, ValuesPerImage);
        using var codec = SKCodec.Create(encoded);
        if (codec is null)
        {
            return false;
        }

        using var decoded = Decode(codec);
        if (decoded is null)
        {
            return false;
        }

        using var square = CropAndResize(decoded, codec.EncodedOrigin);
        Normalize(square, destination);
        return true;
    }

    /// <summary>Preprocesses an already oriented bitmap (tests and callers holding pixels).</summary>
    public void Preprocess(SKBitmap oriented, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(destination.Length, ValuesPerImage);
        using var square = CropAndResize(oriented, SKEncodedOrigin.TopLeft);
        Normalize(square, destination);
    }

    private static SKBitmap? Decode(SKCodec codec)
    {
        var full = codec.Info.Size;
        // The crop is min(width, height) square whatever the orientation; decode no smaller than the input size.
        var needed = Math.Min(Size, Math.Min(full.Width, full.Height));
        var decodeSize = full;
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Min(scaled.Width, scaled.Height) >= needed)
            {
                decodeSize = scaled;
                break;
            }
        }

        return TryGetPixels(codec, decodeSize) ?? (decodeSize != full ? TryGetPixels(codec, full) : null);
    }

    private static SKBitmap? TryGetPixels(SKCodec codec, SKSizeI size)
    {
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap();
        if (bitmap.TryAllocPixels(info) && codec.GetPixels(info, bitmap.GetPixels()) == SKCodecResult.Success)
        {
            return bitmap;
        }

        // A truncated file reports IncompleteInput: treated as unreadable rather than half an image.
        bitmap.Dispose();
        return null;
    }

    private static SKBitmap CropAndResize(SKBitmap stored, SKEncodedOrigin origin)
    {
        var toDisplay = ThumbnailRenderer.OrientationMatrix(origin, stored.Width, stored.Height);
        var swap = ThumbnailRenderer.SwapsAxes(origin);
        var (displayWidth, displayHeight) = swap ? (stored.Height, stored.Width) : (stored.Width, stored.Height);
        var side = Math.Min(displayWidth, displayHeight);
        var displayCrop = SKRect.Create((displayWidth - side) / 2, (displayHeight - side) / 2, side, side);

        // The same square in stored pixels: orientations only flip and rotate by quarter turns.
        if (!toDisplay.TryInvert(out var toStored))
        {
            throw new InvalidOperationException($"Orientation {origin} has no inverse.");
        }

        var storedCrop = SKRectI.Round(toStored.MapRect(displayCrop));
        using var image = SKImage.FromBitmap(stored);
        using var cropped = image.Subset(storedCrop);

        var output = new SKBitmap(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(output);
        canvas.Clear(SKColors.White);
        canvas.Scale((float)Size / side);
        canvas.Concat(ThumbnailRenderer.OrientationMatrix(origin, side, side));
        var ratio = (double)side / Size;
        var sampling = ratio <= 2.5
            ? new SKSamplingOptions(SKCubicResampler.Mitchell)
            : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        using var paint = new SKPaint();
        canvas.DrawImage(cropped, 0, 0, sampling, paint);
        return output;
    }

    private void Normalize(SKBitmap square, Span<float> destination)
    {
        var rgba = square.GetPixelSpan();
        for (var channel = 0; channel < 3; channel++)
        {
            var output = destination.Slice(channel * PixelsPerChannel, PixelsPerChannel);
            var mean = _meanBgr.AsSpan(channel * PixelsPerChannel, PixelsPerChannel);
            var source = _sourceChannel[channel];
            var inverseStd = _inverseStdBgr[channel];
            for (var pixel = 0; pixel < PixelsPerChannel; pixel++)
            {
                output[pixel] = (rgba[(pixel * 4) + source] - mean[pixel]) * inverseStd;
            }
        }
    }
}
