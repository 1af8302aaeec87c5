using DataVisor.Api.Datasets;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Hosting;
using DataVisor.Api.Jobs;
using DataVisor.Api.Samples;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.NearDuplicates;

/// <summary>R29 202 body.</summary>
public sealed record DetectionStarted(string Status, string Message);

public sealed record NearDuplicateGroup(IReadOnlyList<string> SampleIds, int Size);

/// <summary>R31 body.</summary>
public sealed record NearDuplicateReport(IReadOnlyList<NearDuplicateGroup> Groups, int TotalGroups, int TotalDuplicates, double Threshold);

/// <summary>R29-R31 and X3: near-duplicate detection as a background job (§4.10, §6.11).</summary>
public static class NearDuplicateEndpoints
{
    public static IEndpointRouteBuilder MapNearDuplicates(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/datasets/{datasetId}/near-duplicates").WithTags("Near-duplicates");
        group.MapPost("/detect", Detect);
        group.MapGet("/progress", Progress);
        group.MapGet("", Results);
        group.MapPost("/cancel", Cancel);
        return routes;
    }

    /// <summary>R29: no body is read (the frontend sends none); errors in the contract's order 409, 404.</summary>
    internal static Results<Accepted<DetectionStarted>, UnprocessableEntity<ValidationErrorResponse>, Conflict<ErrorDetail>, NotFound<ErrorDetail>> Detect(
        string datasetId,
        HttpRequest request,
        JobRegistry jobs,
        DatasetStore datasets,
        NearDuplicateDetector detector)
    {
        var query = new QueryValues();
        var threshold = query.Number("threshold", request.Query["threshold"].FirstOrDefault(), 0.95, 0.80, 0.99);
        if (!query.IsValid)
        {
            return TypedResults.UnprocessableEntity(new ValidationErrorResponse(query.Issues));
        }

        var alreadyRunning = new ErrorDetail("Near-duplicate detection already running for this dataset");
        if (jobs.IsRunning(datasetId, NearDuplicateProgress.JobKind))
        {
            return TypedResults.Conflict(alreadyRunning);
        }

        if (datasets.Find(datasetId) is null)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        var started = jobs.TryStart(
            datasetId,
            NearDuplicateProgress.JobKind,
            NearDuplicateProgress.Preparing,
            job => detector.RunAsync(datasetId, threshold, job),
            (last, error) => error is null ? last with { Status = "error", Message = "Cancelled" } : NearDuplicateProgress.Failed);
        return started
            ? TypedResults.Accepted((string?)null, new DetectionStarted("started", "Near-duplicate detection started"))
            : TypedResults.Conflict(alreadyRunning);
    }

    /// <summary>R30 (dialect B).</summary>
    internal static Task Progress(string datasetId, HttpContext context) =>
        JobProgressStream.StreamAsync<NearDuplicateProgress>(context, datasetId);

    /// <summary>R31: the latest completed detection; an unknown dataset simply has none.</summary>
    internal static Results<Ok<NearDuplicateReport>, NotFound<ErrorDetail>> Results(string datasetId, NearDuplicateResults results)
    {
        if (results.Latest(datasetId) is not { } latest)
        {
            return TypedResults.NotFound(new ErrorDetail("No near-duplicate results. Run detection first."));
        }

        return TypedResults.Ok(new NearDuplicateReport(
            [.. latest.Groups.Select(ids => new NearDuplicateGroup(ids, ids.Length))],
            latest.Groups.Count,
            latest.Groups.Sum(ids => ids.Length),
            latest.Threshold));
    }

    /// <summary>X3.</summary>
    internal static Results<Ok<CancellationRequested>, NotFound<ErrorDetail>, Conflict<ErrorDetail>> Cancel(
        string datasetId, JobRegistry jobs, DatasetStore datasets) =>
        JobCancellation.Cancel(datasetId, NearDuplicateProgress.JobKind, "near-duplicate detection", jobs, datasets);
}
