using SkiaSharp;

namespace DataVisor.Api.Ingestion;

/// <summary>D6: the size of an image as displayed, read from its header without decoding the pixels.</summary>
public static class ImageDimensions
{
    /// <summary>Width and height with the EXIF orientation applied (swapped for 90°/270° rotations); 0 × 0 when unreadable.</summary>
    public static (int Width, int Height) ReadOriented(string path)
    {
        try
        {
            using var codec = SKCodec.Create(path);
            if (codec is null)
            {
                return (0, 0);
            }

            var info = codec.Info;
            return codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom
                ? (info.Height, info.Width)
                : (info.Width, info.Height);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (0, 0);
        }
    }
}
