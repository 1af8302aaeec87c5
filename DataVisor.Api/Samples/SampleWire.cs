namespace DataVisor.Api.Samples;

/// <summary>The Sample wire shape (contract §3). <c>thumbnail_path</c> is always null.</summary>
public sealed record Sample(
    string Id,
    string DatasetId,
    string FileName,
    int Width,
    int Height,
    string? ThumbnailPath,
    string? Split,
    IReadOnlyList<string> Tags);

/// <summary>R8's response: one page and the number of distinct matching samples.</summary>
public sealed record SamplePage(IReadOnlyList<Sample> Items, long Total, long Offset, long Limit);

public sealed record Facet(string Name, long Count);

/// <summary>R9's response; every list in ordinal order of name.</summary>
public sealed record FilterFacets(
    IReadOnlyList<Facet> Categories,
    IReadOnlyList<Facet> Splits,
    IReadOnlyList<Facet> Tags,
    IReadOnlyList<Facet> Sources);

/// <summary>The Annotation wire shape (contract §3).</summary>
public sealed record Annotation(
    string Id,
    string DatasetId,
    string SampleId,
    string CategoryName,
    double BboxX,
    double BboxY,
    double BboxW,
    double BboxH,
    double Area,
    bool IsCrowd,
    string Source,
    double? Confidence);

/// <summary>R12's response: annotations per sample id, only for samples that have some.</summary>
public sealed record BatchAnnotations(IReadOnlyDictionary<string, List<Annotation>> Annotations);
