using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using DataVisor.Api.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Evaluation;

public static class EvaluationEndpoints
{
    public static IEndpointRouteBuilder MapEvaluation(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/datasets/{dataset_id}").WithTags("Evaluation").MapGet("/evaluation", Evaluate);
        return routes;
    }

    /// <summary>R19 (contract §4.6): 422 for bad parameters first, then the dataset, then the source.</summary>
    public static Results<Ok<DetectionEvaluation>, Ok<ClassificationEvaluation>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>> Evaluate(
        string dataset_id,
        string? source,
        string? iou_threshold,
        string? conf_threshold,
        string? split,
        DuckDbDatabase database)
    {
        var query = new QueryValues();
        var iou = query.Number("iou_threshold", iou_threshold, 0.5, 0.1, 1.0);
        var confidence = query.Number("conf_threshold", conf_threshold, 0.25, 0.0, 1.0);
        if (!query.IsValid)
        {
            return TypedResults.UnprocessableEntity(new ValidationErrorResponse(query.Issues));
        }

        source ??= "prediction";
        using var connection = database.OpenConnection();
        var datasetType = connection.Scalar("SELECT dataset_type FROM datasets WHERE id = $id", ("id", dataset_id)) as string;
        if (datasetType is null)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        if (connection.Scalar("SELECT 1 FROM annotations WHERE dataset_id = $id AND source = $source LIMIT 1", ("id", dataset_id), ("source", source)) is null)
        {
            return TypedResults.NotFound(new ErrorDetail($"No annotations found for source '{source}'"));
        }

        using var activity = DataVisorTelemetry.ActivitySource.StartActivity("evaluation");
        activity?.SetTag("datavisor.dataset_id", dataset_id);
        activity?.SetTag("datavisor.dataset_type", datasetType);
        activity?.SetTag("datavisor.evaluation.source", source);
        activity?.SetTag("datavisor.evaluation.iou_threshold", iou);
        activity?.SetTag("datavisor.evaluation.conf_threshold", confidence);
        activity?.SetTag("datavisor.evaluation.split", QueryValues.Optional(split));
        // A blank split means "no filter", as on every other route that takes one.
        var samples = EvaluationScope.Load(connection, dataset_id, source, QueryValues.Optional(split));
        return datasetType == "classification"
            ? TypedResults.Ok(ClassificationEvaluator.Evaluate(samples, confidence))
            : TypedResults.Ok(DetectionEvaluator.Evaluate(samples, iou, confidence));
    }
}
