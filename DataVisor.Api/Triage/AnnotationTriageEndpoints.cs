using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVisor.Api.Triage;

/// <summary>R45–R47 (contract §4.7, §2.8, §6.9, D16): per-annotation triage and its stored overrides.</summary>
public static class AnnotationTriageEndpoints
{
    public static IEndpointRouteBuilder MapAnnotationTriage(this IEndpointRouteBuilder routes)
    {
        var samples = routes.MapGroup("/samples").WithTags("Triage");
        samples.MapGet("/{sample_id}/annotation-triage", Triage);
        samples.MapPatch("/set-annotation-triage", SetOverride);
        samples.MapDelete("/{sample_id}/annotation-triage/{annotation_id}", ClearOverride);
        return routes;
    }

    /// <summary>R45: an unknown sample or dataset is simply an empty list.</summary>
    public static Results<Ok<AnnotationTriageItems>, UnprocessableEntity<ValidationErrorResponse>> Triage(
        string sample_id, string? dataset_id, string? source, string? iou_threshold, string? conf_threshold, DuckDbDatabase database)
    {
        var query = new QueryValues();
        var datasetId = query.Required("dataset_id", dataset_id);
        var iou = query.Number("iou_threshold", iou_threshold, 0.45, 0.1, 1.0);
        var confidence = query.Number("conf_threshold", conf_threshold, 0.25, 0.0, 1.0);
        if (!query.IsValid)
        {
            return TypedResults.UnprocessableEntity(new ValidationErrorResponse(query.Issues));
        }

        using var connection = database.OpenConnection();
        return TypedResults.Ok(new AnnotationTriageItems(AnnotationTriage.Compute(connection, datasetId, sample_id, source ?? "prediction", iou, confidence)));
    }

    /// <summary>R46: 400 for the label first, then 404 unless the annotation belongs to that sample of that dataset (D1).</summary>
    public static async Task<Results<Ok<AnnotationTriageSet>, UnprocessableEntity<ValidationErrorResponse>, BadRequest<ErrorDetail>, NotFound<ErrorDetail>>> SetOverride(
        HttpContext context, AnnotationTriageStore store)
    {
        var body = await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        var annotationId = body.RequiredString("annotation_id");
        var datasetId = body.RequiredString("dataset_id");
        var sampleId = body.RequiredString("sample_id");
        var label = body.RequiredString("label");
        if (body.Problem is { } problem)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        if (!AnnotationTriageStore.Labels.Contains(label!, StringComparer.Ordinal))
        {
            // The original prints Python's repr of its sorted list.
            var allowed = string.Join(", ", AnnotationTriageStore.Labels.Select(l => $"'{l}'"));
            return TypedResults.BadRequest(new ErrorDetail($"Invalid label '{label}'. Must be one of: [{allowed}]"));
        }

        return await store.SetAsync(datasetId!, sampleId!, annotationId!, label!, context.RequestAborted)
            ? TypedResults.Ok(new AnnotationTriageSet(annotationId!, label!))
            : TypedResults.NotFound(new ErrorDetail("Annotation not found"));
    }

    /// <summary>R47: idempotent.</summary>
    public static async Task<Results<Ok<AnnotationTriageCleared>, UnprocessableEntity<ValidationErrorResponse>>> ClearOverride(
        string sample_id, string annotation_id, [FromQuery(Name = "dataset_id")] string? datasetId, AnnotationTriageStore store, CancellationToken cancellationToken)
    {
        if (datasetId is null)
        {
            return TypedResults.UnprocessableEntity(ValidationErrors.Problem(ValidationErrors.MissingQuery("dataset_id")));
        }

        await store.ClearAsync(datasetId, sample_id, annotation_id, cancellationToken);
        return TypedResults.Ok(new AnnotationTriageCleared(annotation_id, Cleared: true));
    }
}

public sealed record AnnotationTriageItem(string AnnotationId, string AutoLabel, string Label, string? MatchedId, double? Iou, bool IsOverride);

public sealed record AnnotationTriageItems(IReadOnlyList<AnnotationTriageItem> Items);

public sealed record AnnotationTriageSet(string AnnotationId, string Label);

public sealed record AnnotationTriageCleared(string AnnotationId, bool Cleared);
