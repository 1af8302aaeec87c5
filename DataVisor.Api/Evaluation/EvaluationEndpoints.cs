using System.Globalization;
using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Storage;
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
        var issues = new List<ValidationIssue>();
        var iou = RangedNumber(issues, "iou_threshold", iou_threshold, 0.5, 0.1, 1.0);
        var confidence = RangedNumber(issues, "conf_threshold", conf_threshold, 0.25, 0.0, 1.0);
        if (issues.Count > 0)
        {
            return TypedResults.UnprocessableEntity(new ValidationErrorResponse(issues));
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

        var samples = EvaluationScope.Load(connection, dataset_id, source, split);
        return datasetType == "classification"
            ? TypedResults.Ok(ClassificationEvaluator.Evaluate(samples, confidence))
            : TypedResults.Ok(DetectionEvaluator.Evaluate(samples, iou, confidence));
    }

    /// <summary>A query number within [min, max], reported the way the original's validation did.</summary>
    private static double RangedNumber(List<ValidationIssue> issues, string name, string? raw, double defaultValue, double min, double max)
    {
        if (raw is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            issues.Add(new ValidationIssue("float_parsing", ["query", name], "Input should be a valid number, unable to parse string as a number", raw));
            return defaultValue;
        }

        var bound = value < min ? min : value > max ? max : (double?)null;
        if (bound is { } limit)
        {
            // Python's float repr, as the original's messages print their bounds: 1.0, 0.1.
            var text = limit.ToString("R", CultureInfo.InvariantCulture);
            text = text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
            var (type, words, key) = value < min ? ("greater_than_equal", "greater than or equal to", "ge") : ("less_than_equal", "less than or equal to", "le");
            issues.Add(new ValidationIssue(type, ["query", name], $"Input should be {words} {text}", raw, new Dictionary<string, string> { [key] = text }));
        }

        return value;
    }
}
