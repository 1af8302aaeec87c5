namespace DataVisor.Api.Images;

/// <summary>The <c>size</c> values of R14 (contract §4.4, §5.7).</summary>
public enum ImageSize
{
    Small,
    Medium,
    Large,
    Original,
}

public static class ImageSizes
{
    public const string InvalidSizeMessage = "size must be one of: small, medium, large, original";

    public static bool TryParse(string? value, out ImageSize size)
    {
        // Case-sensitive on purpose: the contract lists exactly these spellings.
        switch (value)
        {
            case "small": size = ImageSize.Small; return true;
            case "medium": size = ImageSize.Medium; return true;
            case "large": size = ImageSize.Large; return true;
            case "original": size = ImageSize.Original; return true;
            default: size = default; return false;
        }
    }

    /// <summary>Longest side of a thumbnail in pixels; <see cref="ImageSize.Original"/> has none.</summary>
    public static int LongestSide(this ImageSize size) => size switch
    {
        ImageSize.Small => 128,
        ImageSize.Medium => 256,
        ImageSize.Large => 512,
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "The original has no thumbnail size."),
    };

    public static string Name(this ImageSize size) => size switch
    {
        ImageSize.Small => "small",
        ImageSize.Medium => "medium",
        ImageSize.Large => "large",
        _ => "original",
    };
}
