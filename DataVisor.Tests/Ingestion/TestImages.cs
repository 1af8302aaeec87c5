using SkiaSharp;

namespace DataVisor.Tests.Ingestion;

/// <summary>Small images drawn with SkiaSharp, so tests never depend on files they did not make.</summary>
public static class TestImages
{
    public static void WritePng(string path, int width, int height) =>
        File.WriteAllBytes(path, Encode(width, height, SKEncodedImageFormat.Png));

    /// <summary>A JPEG; with <paramref name="exifOrientation"/> an EXIF APP1 segment carrying that orientation is added.</summary>
    public static void WriteJpeg(string path, int width, int height, ushort? exifOrientation = null) =>
        File.WriteAllBytes(path, WithExifOrientation(Encode(width, height, SKEncodedImageFormat.Jpeg), exifOrientation));

    /// <summary>
    /// A blue JPEG whose stored top-left quarter is red, so a test can see where the EXIF orientation moved it.
    /// </summary>
    public static void WriteCornerMarkedJpeg(string path, int width, int height, ushort? exifOrientation = null)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            using var paint = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(0, 0, width / 2f, height / 2f, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(path, WithExifOrientation(data.ToArray(), exifOrientation));
    }

    private static byte[] WithExifOrientation(byte[] jpeg, ushort? exifOrientation)
    {
        if (exifOrientation is not { } orientation)
        {
            return jpeg;
        }

        // SOI, then APP1 "Exif\0\0" + little-endian TIFF header + one IFD entry (0x0112 SHORT = orientation).
        byte[] app1 =
        [
            0xFF, 0xE1, 0x00, 0x22,
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00,
            0x01, 0x00,
            0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, (byte)orientation, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.SteelBlue);
            using var paint = new SKPaint { Color = SKColors.Orange };
            canvas.DrawRect(width / 4f, height / 4f, width / 2f, height / 2f, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }
}
