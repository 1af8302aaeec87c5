using DataVisor.Api.Datasets;
using DataVisor.Api.Evaluation;
using DataVisor.Api.Hosting;
using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Triage;

/// <summary>The R19 parameters (§1.9) as R20, R21 and R44 share them, validated in R19's order.</summary>
public sealed record ErrorScopeRequest(string DatasetId, string? Source, string? IouThreshold, string? ConfThreshold, string? Split);

/// <summary>A loaded scope: the samples in evaluation order and every outcome of §6.2 / §6.7, uncapped.</summary>
public sealed record ErrorScope(bool IsClassification, IReadOnlyList<EvaluationSample> Samples, IReadOnlyList<ErrorEntry> Entries);

public static class ErrorScopeLoader
{
    /// <summary>
    /// 422 for bad parameters first (after <paramref name="query"/>'s own checks), then 404 for the dataset,
    /// then 404 for the source, exactly as R19 answers.
    /// </summary>
    public static Results<Ok<T>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>> Respond<T>(
        ErrorScopeRequest request, QueryValues query, DuckDbDatabase database, Func<ErrorScope, T> answer)
    {
        var iou = query.Number("iou_threshold", request.IouThreshold, 0.5, 0.1, 1.0);
        var confidence = query.Number("conf_threshold", request.ConfThreshold, 0.25, 0.0, 1.0);
        if (!query.IsValid)
        {
            return TypedResults.UnprocessableEntity(new ValidationErrorResponse(query.Issues));
        }

        var source = request.Source ?? "prediction";
        using var connection = database.OpenConnection();
        if (connection.Scalar("SELECT dataset_type FROM datasets WHERE id = $id", ("id", request.DatasetId)) is not string datasetType)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        if (connection.Scalar("SELECT 1 FROM annotations WHERE dataset_id = $id AND source = $source LIMIT 1", ("id", request.DatasetId), ("source", source)) is null)
        {
            return TypedResults.NotFound(new ErrorDetail($"No annotations found for source '{source}'"));
        }

        // One span per analysis, named by the route that asked (error analysis, cell drill-down, worst images).
        using var activity = DataVisor.Api.Telemetry.DataVisorTelemetry.ActivitySource.StartActivity($"evaluation.{typeof(T).Name}");
        activity?.SetTag("datavisor.dataset_id", request.DatasetId);
        activity?.SetTag("datavisor.evaluation.source", source);
        activity?.SetTag("datavisor.evaluation.iou_threshold", iou);
        activity?.SetTag("datavisor.evaluation.conf_threshold", confidence);
        activity?.SetTag("datavisor.evaluation.split", QueryValues.Optional(request.Split));
        var samples = EvaluationScope.Load(connection, request.DatasetId, source, QueryValues.Optional(request.Split));
        var isClassification = datasetType == "classification";
        var entries = ErrorCategorizer.Categorize(samples, isClassification, iou, confidence).ToList();
        return TypedResults.Ok(answer(new ErrorScope(isClassification, samples, entries)));
    }
}
