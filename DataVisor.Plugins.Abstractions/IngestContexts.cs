namespace DataVisor.Plugins;

/// <summary>What a plugin learns when it is activated.</summary>
/// <param name="PluginDirectory">The folder the plugin's assembly was loaded from (for its own settings files).</param>
public sealed record PluginActivation(string PluginDirectory);

/// <summary>An ingest that is about to read its files.</summary>
/// <param name="DatasetId">The id the dataset will have once committed.</param>
/// <param name="DatasetName">The dataset's name.</param>
/// <param name="Format"><c>coco</c> or <c>classification_jsonl</c>.</param>
/// <param name="Splits">The split names in ingest order; empty for an R2 ingest without a split.</param>
public sealed record IngestStarted(string DatasetId, string DatasetName, string Format, IReadOnlyList<string> Splits);

/// <summary>A committed ingest.</summary>
/// <param name="DatasetId">The new dataset's id.</param>
/// <param name="DatasetName">The dataset's name.</param>
/// <param name="ImageCount">Samples stored.</param>
/// <param name="AnnotationCount">Ground-truth annotations stored.</param>
/// <param name="CategoryCount">Distinct category names (declared and used).</param>
public sealed record IngestCompleted(string DatasetId, string DatasetName, long ImageCount, long AnnotationCount, long CategoryCount);

/// <summary>
/// One sample of an ingest as a plugin sees it. <b>Metadata</b> a plugin may change is exactly
/// <see cref="Width"/>, <see cref="Height"/> and <see cref="Tags"/>; everything else identifies the sample
/// and is read-only, because ids, file names and splits are what the API's URLs and predictions rely on.
/// </summary>
public sealed class IngestSample
{
    private int _width;
    private int _height;

    /// <summary>Creates the view of one staged sample; called by the service.</summary>
    public IngestSample(string datasetId, string sampleId, string fileName, string imagePath, string? split, int width, int height, IEnumerable<string> tags)
    {
        DatasetId = datasetId;
        SampleId = sampleId;
        FileName = fileName;
        ImagePath = imagePath;
        Split = split;
        _width = width;
        _height = height;
        Tags = [.. tags];
    }

    /// <summary>The id the dataset will have.</summary>
    public string DatasetId { get; }

    /// <summary>The sample id (<c>"42"</c>, or <c>"train_42"</c> with a split).</summary>
    public string SampleId { get; }

    /// <summary>The file name as given by the annotation file, relative to the split's image folder.</summary>
    public string FileName { get; }

    /// <summary>The absolute path of the image file (which may not exist).</summary>
    public string ImagePath { get; }

    /// <summary>The sample's split, or null.</summary>
    public string? Split { get; }

    /// <summary>Width in pixels as read from the annotation file or the image header; 0 when unknown. Never negative.</summary>
    public int Width
    {
        get => _width;
        set => _width = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A width is never negative.");
    }

    /// <summary>Height in pixels; 0 when unknown. Never negative.</summary>
    public int Height
    {
        get => _height;
        set => _height = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A height is never negative.");
    }

    /// <summary>
    /// The sample's tags, empty at ingest. Add plain words (<c>landscape</c>); the service stores them in order,
    /// drops empty strings, duplicates (tags are case-sensitive) and tags of the reserved <c>triage:</c> family.
    /// </summary>
    public IList<string> Tags { get; }
}
