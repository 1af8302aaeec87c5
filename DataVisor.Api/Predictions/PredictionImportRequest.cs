using System.Text.Json;
using DataVisor.Api.Hosting;

namespace DataVisor.Api.Predictions;

/// <summary>The three prediction file layouts of contract §5.6.</summary>
public enum PredictionFormat
{
    Coco,
    DetectionAnnotation,
    ClassificationJsonl,
}

/// <summary>R6's body (contract §4.2), validated into 422 items the way the original's model did.</summary>
public sealed record PredictionImportRequest(string PredictionPath, PredictionFormat Format, string? RunName, string? Split)
{
    private const string FormatChoices = "'coco', 'detection_annotation' or 'classification_jsonl'";

    public static (PredictionImportRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var path = body.RequiredString("prediction_path");
        var runName = body.OptionalString("run_name");
        var split = body.OptionalString("split");
        var issues = new List<ValidationIssue>(body.Problem?.Detail ?? []);
        var format = PredictionFormat.Coco;
        if (body.Root.ValueKind == JsonValueKind.Object && body.Root.TryGetProperty("format", out var formatValue))
        {
            PredictionFormat? parsed = formatValue.ValueKind == JsonValueKind.String
                ? formatValue.GetString() switch
                {
                    "coco" => PredictionFormat.Coco,
                    "detection_annotation" => PredictionFormat.DetectionAnnotation,
                    "classification_jsonl" => PredictionFormat.ClassificationJsonl,
                    _ => null,
                }
                : null;
            if (parsed is { } known)
            {
                format = known;
            }
            else
            {
                issues.Add(new ValidationIssue(
                    "literal_error", ["body", "format"], $"Input should be {FormatChoices}", formatValue,
                    new Dictionary<string, string> { ["expected"] = FormatChoices }));
            }
        }

        if (issues.Count > 0 || path is null)
        {
            return (null, new ValidationErrorResponse(issues));
        }

        // Blank counts as absent (§4.2).
        return (new PredictionImportRequest(path, format, string.IsNullOrWhiteSpace(runName) ? null : runName, split), null);
    }
}
