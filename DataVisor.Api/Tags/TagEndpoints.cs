using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVisor.Api.Tags;

/// <summary>User tags in bulk (R10, R11) and the per-sample triage verdict tag (R42, R43).</summary>
public static class TagEndpoints
{
    private const int MaxBulkSampleIds = 500;

    public static IServiceCollection AddTags(this IServiceCollection services)
    {
        services.AddSingleton<SampleTagStore>();
        return services;
    }

    public static IEndpointRouteBuilder MapTags(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/samples").WithTags("Tags");
        group.MapPatch("/bulk-tag", BulkTag);
        group.MapPatch("/bulk-untag", BulkUntag);
        group.MapPatch("/set-triage-tag", SetTriageTag);
        group.MapDelete("/{sampleId}/triage-tag", ClearTriageTag);
        return routes;
    }

    /// <summary>R10: appends the tag to every listed sample of the dataset that lacks it.</summary>
    public static async Task<Results<Ok<BulkTagged>, UnprocessableEntity<ValidationErrorResponse>, BadRequest<ErrorDetail>, NotFound<ErrorDetail>>> BulkTag(
        HttpContext context, SampleTagStore store)
    {
        var (request, problem) = BulkTagRequest.From(await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted));
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        if (Reject(request!, "tag") is { } rejection)
        {
            return TypedResults.BadRequest(rejection);
        }

        return await store.TagAsync(request!.DatasetId, request.SampleIds, request.Tag, context.RequestAborted)
            ? TypedResults.Ok(new BulkTagged(request.SampleIds.Count))
            : TypedResults.NotFound(new ErrorDetail("Dataset not found"));
    }

    /// <summary>R11: removes the tag from every listed sample of the dataset.</summary>
    public static async Task<Results<Ok<BulkUntagged>, UnprocessableEntity<ValidationErrorResponse>, BadRequest<ErrorDetail>, NotFound<ErrorDetail>>> BulkUntag(
        HttpContext context, SampleTagStore store)
    {
        var (request, problem) = BulkTagRequest.From(await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted));
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        if (Reject(request!, "untag") is { } rejection)
        {
            return TypedResults.BadRequest(rejection);
        }

        return await store.UntagAsync(request!.DatasetId, request.SampleIds, request.Tag, context.RequestAborted)
            ? TypedResults.Ok(new BulkUntagged(request.SampleIds.Count))
            : TypedResults.NotFound(new ErrorDetail("Dataset not found"));
    }

    /// <summary>R42: the sample's one triage verdict; the override marker and all other tags stay.</summary>
    public static async Task<Results<Ok<TriageTagSet>, UnprocessableEntity<ValidationErrorResponse>, BadRequest<ErrorDetail>, NotFound<ErrorDetail>>> SetTriageTag(
        HttpContext context, SampleTagStore store)
    {
        var (request, problem) = TriageTagRequest.From(await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted));
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        if (!SampleTagStore.TriageTags.Contains(request!.Tag, StringComparer.Ordinal))
        {
            // The original prints Python's repr of its sorted list.
            var allowed = string.Join(", ", SampleTagStore.TriageTags.Select(tag => $"'{tag}'"));
            return TypedResults.BadRequest(new ErrorDetail($"Invalid triage tag '{request.Tag}'. Must be one of: [{allowed}]"));
        }

        return await store.SetTriageTagAsync(request.DatasetId, request.SampleId, request.Tag, context.RequestAborted)
            ? TypedResults.Ok(new TriageTagSet(request.SampleId, request.Tag))
            : TypedResults.NotFound(new ErrorDetail("Sample not found"));
    }

    /// <summary>R43: removes the triage verdict, keeping <c>triage:annotated</c>.</summary>
    public static async Task<Results<Ok<TriageTagCleared>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>>> ClearTriageTag(
        string sampleId, [FromQuery(Name = "dataset_id")] string? datasetId, SampleTagStore store, CancellationToken cancellationToken)
    {
        if (datasetId is null)
        {
            return TypedResults.UnprocessableEntity(ValidationErrors.Problem(ValidationErrors.MissingQuery("dataset_id")));
        }

        return await store.ClearTriageTagAsync(datasetId, sampleId, cancellationToken)
            ? TypedResults.Ok(new TriageTagCleared(sampleId, Cleared: true))
            : TypedResults.NotFound(new ErrorDetail("Sample not found"));
    }

    /// <summary>The 400s of R10/R11, in the contract's order; the dataset is looked up only after them.</summary>
    private static ErrorDetail? Reject(BulkTagRequest request, string verb) =>
        request.SampleIds.Count == 0 ? new ErrorDetail("sample_ids must not be empty")
        : request.SampleIds.Count > MaxBulkSampleIds ? new ErrorDetail($"Maximum {MaxBulkSampleIds} sample_ids per bulk {verb} request")
        : string.IsNullOrWhiteSpace(request.Tag) ? new ErrorDetail("Tag must not be empty")
        : null;
}
