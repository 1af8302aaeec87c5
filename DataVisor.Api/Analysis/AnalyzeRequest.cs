using System.Globalization;
using System.Text.Json;
using DataVisor.Api.Hosting;

namespace DataVisor.Api.Analysis;

/// <summary>R32's optional body (contract §4.11) with its defaults.</summary>
public sealed record AnalyzeRequest(string Source, double IouThreshold, double ConfThreshold)
{
    public static readonly AnalyzeRequest Default = new("prediction", 0.5, 0.25);

    /// <summary>
    /// An absent or empty body, <c>{}</c> and <c>null</c> all mean the defaults (§1.5); anything else must be
    /// an object whose fields have the right types and ranges, else one 422 item per bad field.
    /// </summary>
    public static (AnalyzeRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        if (body.Root.ValueKind == JsonValueKind.Undefined)
        {
            return body.Problem is { Detail: [var only] } problem && !IsEmptyBody(only) ? (null, problem) : (Default, null);
        }

        var source = body.OptionalString("source");
        var issues = new List<ValidationIssue>();
        var iou = Number(body.Root, "iou_threshold", Default.IouThreshold, 0.1, 1.0, issues);
        var confidence = Number(body.Root, "conf_threshold", Default.ConfThreshold, 0.0, 1.0, issues);
        issues.InsertRange(0, body.Problem?.Detail ?? []);
        return issues.Count > 0
            ? (null, new ValidationErrorResponse(issues))
            : (new AnalyzeRequest(source ?? Default.Source, iou, confidence), null);
    }

    /// <summary>No body at all, or the JSON literal <c>null</c>: both are "no options".</summary>
    private static bool IsEmptyBody(ValidationIssue issue) =>
        issue.Type == "missing" || issue is { Type: "dict_type", Input: JsonElement { ValueKind: JsonValueKind.Null } };

    /// <summary>
    /// An optional field typed <i>number</i> (§1.2: a JSON number or a numeric string) within [min, max]; the
    /// bounds print as Python floats, as the query parameters' messages do.
    /// </summary>
    private static double Number(JsonElement root, string name, double fallback, double min, double max, List<ValidationIssue> issues)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        double parsed;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
        {
            parsed = number;
        }
        else if (value.ValueKind == JsonValueKind.String
                 && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var text) && double.IsFinite(text))
        {
            parsed = text;
        }
        else
        {
            issues.Add(value.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? ValidationErrors.FloatParsing("body", name, value)
                : ValidationErrors.FloatType("body", name, value));
            return fallback;
        }

        if (parsed >= min && parsed <= max)
        {
            return parsed;
        }

        issues.Add(ValidationErrors.FloatOutOfRange("body", name, parsed, min, max, value));
        return fallback;
    }
}
