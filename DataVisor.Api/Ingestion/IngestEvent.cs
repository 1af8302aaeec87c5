namespace DataVisor.Api.Ingestion;

/// <summary>
/// One event of the R2 stream (contract §5.4). <see cref="Total"/> is null while a count is still unknown;
/// <see cref="DatasetId"/> is the id the dataset will have, and null in <c>error</c> events.
/// </summary>
/// <remarks>
/// <see cref="StartedSplit"/> is set on <c>split_start</c> events only and is not part of the R2 wire shape;
/// the R36 stream turns it into the <c>split</c> field of every later event.
/// </remarks>
public sealed record IngestEvent(
    string Stage,
    int Current,
    int? Total,
    string Message,
    string? DatasetId,
    [property: System.Text.Json.Serialization.JsonIgnore] string? StartedSplit = null)
{
    public static IngestEvent Error(string message) => new(IngestStages.Error, 0, null, message, null);
}

/// <summary>Stage names of the ingest streams.</summary>
public static class IngestStages
{
    public const string SplitStart = "split_start";
    public const string SplitComplete = "split_complete";
    public const string Categories = "categories";
    public const string ParsingImages = "parsing_images";
    public const string ParsingAnnotations = "parsing_annotations";
    public const string Thumbnails = "thumbnails";
    public const string Complete = "complete";
    public const string Error = "error";
}
