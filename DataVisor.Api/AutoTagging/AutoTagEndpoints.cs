using DataVisor.Api.Datasets;
using DataVisor.Api.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.AutoTagging;

/// <summary>R33 202 body.</summary>
public sealed record AutoTagStarted(string Status, string Message);

/// <summary>R33, R34 and X4: auto-tagging as a background job (§4.11, §4.13, §6.13).</summary>
public static class AutoTagEndpoints
{
    public static IServiceCollection AddAutoTagging(this IServiceCollection services)
    {
        services.AddSingleton<AutoTagPacing>();
        services.AddSingleton<AutoTagStore>();
        services.AddSingleton<VisionLanguageTagger>();
        services.AddSingleton<AutoTagJob>();
        return services;
    }

    public static IEndpointRouteBuilder MapAutoTagging(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/datasets/{datasetId}/auto-tag").WithTags("Auto-tagging");
        group.MapPost("", Start);
        group.MapGet("/progress", Progress);
        group.MapPost("/cancel", Cancel);
        return routes;
    }

    /// <summary>R33: the body is ignored (the frontend sends <c>{}</c>); errors in the contract's order 409, 404.</summary>
    internal static Results<Accepted<AutoTagStarted>, Conflict<ErrorDetail>, NotFound<ErrorDetail>> Start(
        string datasetId, JobRegistry jobs, DatasetStore datasets, AutoTagJob tagger)
    {
        var alreadyRunning = new ErrorDetail("Auto-tagging already running for this dataset");
        if (jobs.IsRunning(datasetId, AutoTagProgress.JobKind))
        {
            return TypedResults.Conflict(alreadyRunning);
        }

        if (datasets.Find(datasetId) is null)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        var started = jobs.TryStart(
            datasetId,
            AutoTagProgress.JobKind,
            AutoTagProgress.Starting,
            job => tagger.RunAsync(datasetId, job),
            AutoTagProgress.Aborted);
        return started
            ? TypedResults.Accepted((string?)null, new AutoTagStarted("started", "Auto-tagging started"))
            : TypedResults.Conflict(alreadyRunning);
    }

    /// <summary>R34 (dialect B).</summary>
    internal static Task Progress(string datasetId, HttpContext context) =>
        JobProgressStream.StreamAsync<AutoTagProgress>(context, datasetId);

    /// <summary>X4.</summary>
    internal static Results<Ok<CancellationRequested>, NotFound<ErrorDetail>, Conflict<ErrorDetail>> Cancel(
        string datasetId, JobRegistry jobs, DatasetStore datasets) =>
        JobCancellation.Cancel(datasetId, AutoTagProgress.JobKind, "auto-tagging", jobs, datasets);
}
