using System.Text.RegularExpressions;
using DataVisor.Api.Hosting;

namespace DataVisor.Api.Ingestion;

/// <summary>The R2 body exactly as the client sent it (contract §4.2).</summary>
public sealed partial record IngestRequest(string AnnotationPath, string ImageDir, string? DatasetName, string? Format, string? Split)
{
    public const string CocoFormat = "coco";
    public const string JsonlFormat = "classification_jsonl";

    /// <summary>Reads the fields; a null request comes with the 422 body that explains why.</summary>
    public static (IngestRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var annotationPath = body.RequiredString("annotation_path");
        var imageDir = body.RequiredString("image_dir");
        var datasetName = body.OptionalString("dataset_name");
        var format = body.OptionalString("format");
        var split = body.OptionalString("split");
        return body.Problem is { } problem
            ? (null, problem)
            : (new IngestRequest(annotationPath!, imageDir!, datasetName, format, split), null);
    }

    /// <summary>Contract §2.10: split names become id prefixes and folder-like labels.</summary>
    public static bool IsValidSplitName(string split) => SplitNamePattern().IsMatch(split);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SplitNamePattern();
}

/// <summary>
/// A validated ingest: paths absolute and normalised, the format decided, the dataset name chosen. Built
/// only by <see cref="IngestPlanner"/> (R2, one part) and <see cref="ImportPlanner"/> (R36, one part per
/// split), after every pre-stream check has passed.
/// </summary>
/// <param name="IsMultiSplitImport">True for R36: the stream adds <c>split_start</c>/<c>split_complete</c> per part (§5.4).</param>
public sealed record IngestPlan(
    string DatasetId,
    string DatasetName,
    string Format,
    IReadOnlyList<IngestPart> Parts,
    bool IsMultiSplitImport = false)
{
    /// <summary>The dataset's <c>source_path</c>: the annotation file of the first part (§2.1).</summary>
    public string AnnotationPath => Parts[0].AnnotationPath;

    /// <summary>The dataset's <c>image_dir</c>: the image folder of the first part.</summary>
    public string ImageDir => Parts[0].ImageDir;
}
