using DataVisor.Api.Configuration;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Ingestion;

/// <summary>A request-level problem answered as JSON instead of a stream (contract §1.6).</summary>
public sealed record IngestRejection(int StatusCode, string Detail);

/// <summary>
/// Turns an <see cref="IngestRequest"/> into an <see cref="IngestPlan"/>, or into the 400/403 answer of the
/// first check that fails (contract §4.2, §5.1.3, §5.1.4). Paths are checked against the data roots before
/// their existence, so the service never tells whether a file exists outside the roots.
/// </summary>
public sealed class IngestPlanner(IOptions<DataVisorOptions> options)
{
    public (IngestPlan? Plan, IngestRejection? Rejection) Plan(IngestRequest request)
    {
        if (DataPaths.IsCloudPath(request.AnnotationPath) || DataPaths.IsCloudPath(request.ImageDir))
        {
            return Reject(StatusCodes.Status400BadRequest, DataPaths.CloudNotSupported);
        }

        if (request.Format is { } format && format is not (IngestRequest.CocoFormat or IngestRequest.JsonlFormat))
        {
            return Reject(StatusCodes.Status400BadRequest, $"Unsupported format: {format}");
        }

        if (request.Split is { } split && !IngestRequest.IsValidSplitName(split))
        {
            return Reject(StatusCodes.Status400BadRequest, $"Invalid split name '{split}'");
        }

        if (DataPaths.CannotExist(request.AnnotationPath))
        {
            return Reject(StatusCodes.Status400BadRequest, $"Annotation file not found: {request.AnnotationPath}");
        }

        if (DataPaths.CannotExist(request.ImageDir))
        {
            return Reject(StatusCodes.Status400BadRequest, $"Image directory not found: {request.ImageDir}");
        }

        var annotationPath = DataPaths.Normalize(request.AnnotationPath);
        var imageDir = DataPaths.Normalize(request.ImageDir);
        foreach (var path in (string[])[annotationPath, imageDir])
        {
            if (!DataPaths.IsAllowed(path, options.Value.DataRoots))
            {
                return Reject(StatusCodes.Status403Forbidden, DataPaths.OutsideRootsMessage(path));
            }
        }

        if (!File.Exists(annotationPath))
        {
            return Reject(StatusCodes.Status400BadRequest, $"Annotation file not found: {annotationPath}");
        }

        if (!Directory.Exists(imageDir))
        {
            return Reject(StatusCodes.Status400BadRequest, $"Image directory not found: {imageDir}");
        }

        var plan = new IngestPlan(
            DatasetId: Guid.NewGuid().ToString(),
            DatasetName: string.IsNullOrWhiteSpace(request.DatasetName) ? Path.GetFileNameWithoutExtension(annotationPath) : request.DatasetName,
            Format: request.Format ?? (JsonlSniffer.LooksLikeJsonl(annotationPath) ? IngestRequest.JsonlFormat : IngestRequest.CocoFormat),
            Parts: [new IngestPart(0, annotationPath, imageDir, request.Split)]);
        return (plan, null);
    }

    private static (IngestPlan?, IngestRejection?) Reject(int status, string detail) => (null, new IngestRejection(status, detail));
}
