namespace DataVisor.Api.Ingestion;

/// <summary>One split proposed by a folder scan (R35).</summary>
public sealed record ScannedSplit(string Name, string AnnotationPath, string ImageDir, int ImageCount, long AnnotationFileSize);

/// <summary>What a folder scan found: no splits means nothing importable.</summary>
public sealed record FolderScan(string Format, IReadOnlyList<ScannedSplit> Splits, IReadOnlyList<string> Warnings);

/// <summary>
/// Contract §5.5: recognises the five folder layouts, tried in a fixed order (D, E, B, A, C) until one
/// yields a split. Deterministic by construction (D22): every listing is sorted ordinally, the first folder
/// per canonical split wins, and COCO files are sniffed whatever their size.
/// </summary>
public static class FolderScanner
{
    /// <summary>Split folder names, in the table order that layout A's keyword match also follows.</summary>
    private static readonly (string Keyword, string Split)[] SplitKeywords =
    [
        ("train", "train"), ("train2017", "train"), ("train2014", "train"), ("training", "train"),
        ("val", "val"), ("val2017", "val"), ("val2014", "val"), ("valid", "val"), ("validation", "val"),
        ("test", "test"), ("test2017", "test"), ("test2014", "test"), ("testing", "test"),
    ];

    private static readonly string[] CanonicalOrder = ["train", "val", "test"];

    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp",
    };

    public static FolderScan Scan(string root)
    {
        var warnings = new List<string>();
        var rootSplitName = SplitNameFrom(Path.GetFileName(root));
        var splitFolders = CanonicalFolders(root);

        List<ScannedSplit> splits;
        if ((splits = JsonlPerSplitFolder(splitFolders)).Count > 0
            || (splits = FlatJsonl(root, rootSplitName)).Count > 0)
        {
            return new FolderScan(IngestRequest.JsonlFormat, Ordered(splits), warnings);
        }

        if ((splits = RoboflowCoco(splitFolders, warnings)).Count == 0
            && (splits = StandardCoco(root, rootSplitName, splitFolders, warnings)).Count == 0)
        {
            splits = FlatCoco(root, rootSplitName, warnings);
        }

        return new FolderScan(IngestRequest.CocoFormat, Ordered(splits), warnings);
    }

    /// <summary>Layout D: in each split folder, the first <c>*.jsonl</c> that passes the sniff.</summary>
    private static List<ScannedSplit> JsonlPerSplitFolder(IReadOnlyDictionary<string, string> splitFolders)
    {
        var splits = new List<ScannedSplit>();
        foreach (var (split, folder) in splitFolders)
        {
            if (Files(folder, ".jsonl").FirstOrDefault(JsonlSniffer.LooksLikeJsonl) is { } file
                && CountImages(folder) is var images and > 0)
            {
                splits.Add(Split(split, file, folder, images));
            }
        }

        return splits;
    }

    /// <summary>Layout E: the first root <c>*.jsonl</c> that passes the sniff, images in <c>images/</c> or the root.</summary>
    private static List<ScannedSplit> FlatJsonl(string root, string rootSplitName)
    {
        var imageFolder = ImagesOrRoot(root);
        var images = CountImages(imageFolder);
        if (images > 0 && Files(root, ".jsonl").FirstOrDefault(JsonlSniffer.LooksLikeJsonl) is { } file)
        {
            return [Split(rootSplitName, file, imageFolder, images)];
        }

        return [];
    }

    /// <summary>Layout B: in each split folder, the first <c>*.json</c> that passes the COCO sniff.</summary>
    private static List<ScannedSplit> RoboflowCoco(IReadOnlyDictionary<string, string> splitFolders, List<string> warnings)
    {
        var splits = new List<ScannedSplit>();
        foreach (var (split, folder) in splitFolders)
        {
            if (FirstCoco(Files(folder, ".json"), warnings) is { } file && CountImages(folder) is var images and > 0)
            {
                splits.Add(Split(split, file, folder, images));
            }
        }

        return splits;
    }

    /// <summary>
    /// Layout A: COCO files in <c>annotations/</c>, matched by keyword to split folders inside
    /// <c>images/</c> (or <c>images/</c> itself as a catch-all), then to split folders under the root.
    /// </summary>
    private static List<ScannedSplit> StandardCoco(string root, string rootSplitName, IReadOnlyDictionary<string, string> rootSplitFolders, List<string> warnings)
    {
        var annotations = Path.Combine(root, "annotations");
        if (!Directory.Exists(annotations))
        {
            return [];
        }

        var candidates = Files(annotations, ".json").Where(file => IsCocoOrWarn(file, warnings)).ToList();
        var imagesRoot = Path.Combine(root, "images");
        var imageFolders = Directory.Exists(imagesRoot) ? CanonicalFolders(imagesRoot) : [];
        var catchAll = imageFolders.Count == 0 && Directory.Exists(imagesRoot) ? imagesRoot : null;
        foreach (var (split, folder) in rootSplitFolders)
        {
            imageFolders.TryAdd(split, folder);
        }

        var splits = new List<ScannedSplit>();
        foreach (var file in candidates)
        {
            var name = Path.GetFileNameWithoutExtension(file).ToLowerInvariant();
            var match = SplitKeywords.FirstOrDefault(k => name.Contains(k.Keyword, StringComparison.Ordinal) && imageFolders.ContainsKey(k.Split));
            if (match.Split is { } split)
            {
                splits.Add(Split(split, file, imageFolders[split], CountImages(imageFolders[split])));
            }
            else if (catchAll is not null)
            {
                splits.Add(Split(rootSplitName, file, catchAll, CountImages(catchAll)));
            }
        }

        return splits;
    }

    /// <summary>Layout C: the first root <c>*.json</c> that passes the COCO sniff, images in <c>images/</c> or the root.</summary>
    private static List<ScannedSplit> FlatCoco(string root, string rootSplitName, List<string> warnings)
    {
        if (FirstCoco(Files(root, ".json"), warnings) is not { } file)
        {
            return [];
        }

        var imageFolder = ImagesOrRoot(root);
        var images = CountImages(imageFolder);
        if (images == 0)
        {
            warnings.Add($"COCO annotation found ({Path.GetFileName(file)}) but no images in {imageFolder}");
            return [];
        }

        return [Split(rootSplitName, file, imageFolder, images)];
    }

    private static string? FirstCoco(IEnumerable<string> files, List<string> warnings) =>
        files.FirstOrDefault(file => IsCocoOrWarn(file, warnings));

    private static bool IsCocoOrWarn(string file, List<string> warnings)
    {
        if (CocoSniffer.LooksLikeCoco(file))
        {
            return true;
        }

        warnings.Add($"Found JSON but not valid COCO: {file}");
        return false;
    }

    /// <summary>The first folder (ordinal order) per canonical split directly inside <paramref name="parent"/>, keyed train, val, test.</summary>
    private static Dictionary<string, string> CanonicalFolders(string parent)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in Entries(parent, directories: true))
        {
            var name = Path.GetFileName(folder);
            var keyword = SplitKeywords.FirstOrDefault(k => string.Equals(k.Keyword, name, StringComparison.OrdinalIgnoreCase));
            if (keyword.Split is { } split)
            {
                found.TryAdd(split, folder);
            }
        }

        // Insertion order is the canonical order, which the layouts iterate in.
        return CanonicalOrder.Where(found.ContainsKey).ToDictionary(split => split, split => found[split], StringComparer.Ordinal);
    }

    private static string ImagesOrRoot(string root)
    {
        var images = Path.Combine(root, "images");
        return Directory.Exists(images) ? images : root;
    }

    /// <summary>Regular files directly inside, not symlinks, not hidden, with an image extension.</summary>
    private static int CountImages(string folder) =>
        Entries(folder, directories: false).Count(file =>
            ImageExtensions.Contains(Path.GetExtension(file)) && (File.GetAttributes(file) & FileAttributes.ReparsePoint) == 0);

    private static IEnumerable<string> Files(string folder, string extension) =>
        Entries(folder, directories: false).Where(file => Path.GetExtension(file).Equals(extension, StringComparison.OrdinalIgnoreCase));

    /// <summary>Non-hidden entries in ordinal order; an unreadable folder has none.</summary>
    private static List<string> Entries(string folder, bool directories)
    {
        try
        {
            var entries = directories ? Directory.GetDirectories(folder) : Directory.GetFiles(folder);
            return entries.Where(entry => !Path.GetFileName(entry).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static ScannedSplit Split(string name, string annotationPath, string imageDir, int images) =>
        new(name, annotationPath, imageDir, images, new FileInfo(annotationPath).Length);

    /// <summary>train, val, test, then the others in ordinal order; stable, so files keep their order within a split.</summary>
    private static List<ScannedSplit> Ordered(List<ScannedSplit> splits) =>
        splits.OrderBy(split => Array.IndexOf(CanonicalOrder, split.Name) is var rank and >= 0 ? rank : CanonicalOrder.Length)
            .ThenBy(split => split.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// A split name from the root folder's name: every character §2.10 does not allow becomes <c>_</c>.
    /// </summary>
    /// <remarks>
    /// REVIEW: read literally, a name whose first character is not a letter or digit stays invalid after the
    /// replacement (<c>_data</c>); the import then answers <c>Invalid split name</c>, which tells the user why.
    /// </remarks>
    private static string SplitNameFrom(string folderName)
    {
        var chars = folderName.Select((c, i) => char.IsAsciiLetterOrDigit(c) || (i > 0 && c is '.' or '_' or '-') ? c : '_').Take(64).ToArray();
        return new string(chars);
    }
}
