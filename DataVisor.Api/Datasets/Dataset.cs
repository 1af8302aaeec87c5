namespace DataVisor.Api.Datasets;

/// <summary>The Dataset wire shape (contract §3).</summary>
public sealed record Dataset(
    string Id,
    string Name,
    string Format,
    string SourcePath,
    string ImageDir,
    long ImageCount,
    long AnnotationCount,
    long CategoryCount,
    long PredictionCount,
    string DatasetType,
    DateTime CreatedAt);

public sealed record DatasetList(IReadOnlyList<Dataset> Datasets);

public sealed record ErrorDetail(string Detail);
