namespace DataVisor.Api.Ingestion;

/// <summary>One entry of an R37 listing; <see cref="Size"/> is null for directories.</summary>
public sealed record BrowseEntry(string Name, string Type, long? Size);

/// <summary>
/// Contract §4.12 R37: the folder picker's listing. Directories first, then <c>.json</c>/<c>.jsonl</c>
/// files, each group in ordinal order. Above the data roots it shows only the way down to them.
/// </summary>
public static class FolderBrowser
{
    public const string DirectoryType = "directory";
    public const string FileType = "file";

    /// <summary>Everything in <paramref name="folder"/> the picker can use; throws when it cannot be listed.</summary>
    public static List<BrowseEntry> List(string folder)
    {
        var info = new DirectoryInfo(folder);
        var directories = new List<BrowseEntry>();
        var files = new List<BrowseEntry>();
        foreach (var entry in info.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo)
            {
                directories.Add(new BrowseEntry(entry.Name, DirectoryType, null));
            }
            else if (entry is FileInfo file && IsAnnotationFile(file.Name))
            {
                files.Add(new BrowseEntry(file.Name, FileType, SafeLength(file)));
            }
        }

        return [.. directories.OrderBy(e => e.Name, StringComparer.Ordinal), .. files.OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// For a folder above one or more data roots: its child directories that are roots or lead to one, or
    /// null when <paramref name="folder"/> is not an ancestor of any root.
    /// </summary>
    public static List<BrowseEntry>? ListTowardsRoots(string folder, IReadOnlyList<string> dataRoots)
    {
        var prefix = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        var children = dataRoots
            .Where(root => root.StartsWith(prefix, StringComparison.Ordinal))
            .Select(root => root[prefix.Length..].Split(Path.DirectorySeparatorChar)[0])
            .Where(child => child.Length > 0 && Directory.Exists(Path.Combine(folder, child)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(child => new BrowseEntry(child, DirectoryType, null))
            .ToList();
        return dataRoots.Any(root => root.StartsWith(prefix, StringComparison.Ordinal)) ? children : null;
    }

    private static bool IsAnnotationFile(string name) =>
        Path.GetExtension(name) is var extension
        && (extension.Equals(".json", StringComparison.OrdinalIgnoreCase) || extension.Equals(".jsonl", StringComparison.OrdinalIgnoreCase));

    /// <summary>A broken symlink has no length; it is still listed, with size 0.</summary>
    private static long SafeLength(FileInfo file)
    {
        try
        {
            return file.Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
