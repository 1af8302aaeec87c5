using DataVisor.Api.Configuration;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Turns an <see cref="ImportRequest"/> into one multi-part <see cref="IngestPlan"/>, or into the 400/403
/// answer of the first check that fails (contract §4.12). As for R2, every path is checked against the data
/// roots before its existence, so nothing is revealed about files outside them; the format is detected per
/// file when the request names none (§5.1.3, D14).
/// </summary>
public sealed class ImportPlanner(IOptions<DataVisorOptions> options)
{
    public (IngestPlan? Plan, IngestRejection? Rejection) Plan(ImportRequest request)
    {
        if (request.Splits.Count == 0)
        {
            return BadRequest("At least one split is required");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var split in request.Splits)
        {
            if (!IngestRequest.IsValidSplitName(split.Name))
            {
                return BadRequest($"Invalid split name '{split.Name}'");
            }

            if (!names.Add(split.Name))
            {
                return BadRequest($"Duplicate split name '{split.Name}'");
            }
        }

        if (request.Format is { } format && format is not (IngestRequest.CocoFormat or IngestRequest.JsonlFormat))
        {
            return BadRequest($"Unsupported format: {format}");
        }

        if (request.Splits.Any(split => DataPaths.IsCloudPath(split.AnnotationPath) || DataPaths.IsCloudPath(split.ImageDir)))
        {
            return BadRequest(DataPaths.CloudNotSupported);
        }

        foreach (var split in request.Splits)
        {
            if (DataPaths.CannotExist(split.AnnotationPath))
            {
                return BadRequest($"Annotation file not found: {split.AnnotationPath}");
            }

            if (DataPaths.CannotExist(split.ImageDir))
            {
                return BadRequest($"Image directory not found: {split.ImageDir}");
            }
        }

        var parts = request.Splits
            .Select((split, index) => new IngestPart(index, DataPaths.Normalize(split.AnnotationPath), DataPaths.Normalize(split.ImageDir), split.Name))
            .ToList();
        foreach (var path in parts.SelectMany(part => (string[])[part.AnnotationPath, part.ImageDir]))
        {
            if (!DataPaths.IsAllowed(path, options.Value.DataRoots))
            {
                return (null, new IngestRejection(StatusCodes.Status403Forbidden, DataPaths.OutsideRootsMessage(path)));
            }
        }

        if (parts.FirstOrDefault(part => !File.Exists(part.AnnotationPath)) is { } missingFile)
        {
            return BadRequest($"Annotation file not found: {missingFile.AnnotationPath}");
        }

        var formats = parts
            .Select(part => request.Format ?? (JsonlSniffer.LooksLikeJsonl(part.AnnotationPath) ? IngestRequest.JsonlFormat : IngestRequest.CocoFormat))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (formats.Count > 1)
        {
            return BadRequest("All splits must have the same format");
        }

        if (parts.FirstOrDefault(part => !Directory.Exists(part.ImageDir)) is { } missingFolder)
        {
            return BadRequest($"Image directory not found: {missingFolder.ImageDir}");
        }

        var plan = new IngestPlan(
            DatasetId: Guid.NewGuid().ToString(),
            DatasetName: string.IsNullOrWhiteSpace(request.DatasetName) ? Path.GetFileNameWithoutExtension(parts[0].AnnotationPath) : request.DatasetName,
            Format: formats[0],
            Parts: parts,
            IsMultiSplitImport: true);
        return (plan, null);
    }

    private static (IngestPlan?, IngestRejection?) BadRequest(string detail) => (null, new IngestRejection(StatusCodes.Status400BadRequest, detail));
}
