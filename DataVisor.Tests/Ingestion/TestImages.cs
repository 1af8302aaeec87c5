using SkiaSharp;

namespace DataVisor.Tests.Ingestion;

/// <summary>Small images drawn with SkiaSharp, so tests never depend on files they did not make.</summary>
public static class TestImages
{
    public static void WritePng(string path, int width, int height) =>
        File.WriteAllBytes(path, Encode(width, height, SKEncodedImageFormat.Png));

    /// <summary>A JPEG; with <paramref name="exifOrientation"/> an EXIF APP1 segment carrying that orientation is added.</summary>
    public static void WriteJpeg(string path, int width, int height, ushort? exifOrientation = null)
    {
        var jpeg = Encode(width, height, SKEncodedImageFormat.Jpeg);
        if (exifOrientation is { } orientation)
        {
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
            jpeg = [.. jpeg[..2], .. app1, .. jpeg[2..]];
        }

        File.WriteAllBytes(path, jpeg);
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
