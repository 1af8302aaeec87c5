namespace DataVisor.Api.Images;

/// <summary>R14 <c>original</c>: the content type follows the extension only (contract §4.4), never the bytes.</summary>
public static class ImageContentTypes
{
    public const string Webp = "image/webp";

    private const string Fallback = "application/octet-stream";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".png"] = "image/png",
        [".webp"] = Webp,
        [".bmp"] = "image/bmp",
        [".tif"] = "image/tiff",
        [".tiff"] = "image/tiff",
        [".gif"] = "image/gif",
    };

    public static string ForFile(string path) =>
        ByExtension.TryGetValue(Path.GetExtension(path), out var contentType) ? contentType : Fallback;
}
