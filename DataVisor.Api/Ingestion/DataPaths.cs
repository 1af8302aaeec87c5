namespace DataVisor.Api.Ingestion;

/// <summary>
/// Contract §5.1.4: how paths received from clients are made absolute, bounded by the data roots, and how a
/// sample's <c>file_name</c> is confined to its image folder (D5).
/// </summary>
public static class DataPaths
{
    public const string CloudPrefix = "gs://";

    public const string CloudNotSupported = "Cloud storage paths (gs://) are not supported";

    private static readonly string Separator = Path.DirectorySeparatorChar.ToString();

    public static bool IsCloudPath(string path) => path.StartsWith(CloudPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// True when no file can have this path (an embedded NUL): <see cref="Normalize"/> would throw, so
    /// callers answer "not found" for it first.
    /// </summary>
    public static bool CannotExist(string path) => path.Contains('\0', StringComparison.Ordinal);

    /// <summary>Absolute against the working directory, <c>.</c>/<c>..</c> resolved, no trailing separator.</summary>
    public static string Normalize(string path)
    {
        var full = Path.GetFullPath(path, Directory.GetCurrentDirectory());
        var trimmed = full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        // The file-system root keeps its separator: "/" trimmed to "" would mean nothing.
        return trimmed.Length == 0 || trimmed.EndsWith(Path.VolumeSeparatorChar) ? full : trimmed;
    }

    /// <summary>True when no roots are configured, or the normalised path equals a root or lies under one.</summary>
    public static bool IsAllowed(string normalizedPath, IReadOnlyList<string> dataRoots) =>
        dataRoots.Count == 0 || dataRoots.Any(root => IsSameOrInside(normalizedPath, root));

    public static string OutsideRootsMessage(string normalizedPath) => $"Path is outside the allowed data roots: {normalizedPath}";

    /// <summary>
    /// The absolute file of a sample, or null when <paramref name="fileName"/> is rooted or normalises to a
    /// location outside <paramref name="imageDirectory"/> (<c>../x.png</c>, <c>sub/../../x.png</c>).
    /// </summary>
    public static string? ResolveInside(string imageDirectory, string fileName)
    {
        if (fileName.Length == 0 || Path.IsPathRooted(fileName) || (OperatingSystem.IsWindows() && Path.IsPathFullyQualified(fileName)))
        {
            return null;
        }

        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(imageDirectory, fileName));
        }
        catch (ArgumentException)
        {
            // An embedded NUL cannot name any file.
            return null;
        }

        return IsSameOrInside(full, imageDirectory) && !IsSameFolder(full, imageDirectory) ? full : null;
    }

    /// <summary>Segment-wise containment: <c>/data/a</c> is inside <c>/data</c>, <c>/database</c> is not.</summary>
    private static bool IsSameOrInside(string path, string root)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var rootWithSeparator = root.Length == 0 ? Separator : root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Separator;
        return IsSameFolder(path, root) || path.StartsWith(rootWithSeparator, comparison);
    }

    private static bool IsSameFolder(string path, string root) =>
        string.Equals(
            path.TrimEnd(Path.DirectorySeparatorChar),
            root.TrimEnd(Path.DirectorySeparatorChar),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
