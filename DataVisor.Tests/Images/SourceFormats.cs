using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace DataVisor.Tests.Images;

/// <summary>Source images in the pixel formats §5.7 names explicitly: palette, grey and 16-bit.</summary>
internal static class SourceFormats
{
    /// <summary>Grey JPEG, left half black, right half white.</summary>
    public static void WriteGreyJpeg(string path, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, x < width / 2 ? SKColors.Black : SKColors.White);
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>16 bits per channel PNG (Skia writes half-float bitmaps as 16-bit PNG), all red.</summary>
    public static void WriteSixteenBitPng(string path, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.RgbaF16, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Red);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        // Colour type 2 or 6 with bit depth 16, at byte 24 of the IHDR.
        if (File.ReadAllBytes(path)[24] != 16)
        {
            throw new InvalidOperationException("Skia did not write a 16-bit PNG");
        }
    }

    /// <summary>An indexed-colour PNG (colour type 3) written by hand: Skia only encodes true colour. Top half palette entry 0 (green), bottom half entry 1 (magenta).</summary>
    public static void WritePalettePng(string path, int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 3; // indexed colour
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "PLTE", [0, 200, 0, 255, 0, 255]);
        using var rows = new MemoryStream();
        using (var zlib = new ZLibStream(rows, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter: none
                for (var x = 0; x < width; x++)
                {
                    zlib.WriteByte(y < height / 2 ? (byte)0 : (byte)1);
                }
            }
        }

        WriteChunk(png, "IDAT", rows.ToArray());
        WriteChunk(png, "IEND", []);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
