using System.Text.Json;

namespace DataVisor.Api.Analysis;

/// <summary>
/// Strict reading of a model's answer against R32's schema (contract §6.12): every field present with its
/// type, enumerations exact. Unknown fields are dropped, so the response carries only the schema.
/// </summary>
public static class ReportValidator
{
    /// <summary>The report, or the first reason it does not fit (shown in the 502 after the retry).</summary>
    public static (AnalysisReport? Report, string? Problem) Read(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "the model returned an empty answer");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(StripFence(text));
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (null, $"the model's answer is not valid JSON ({ex.Message})");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "the model's answer is not a JSON object");
        }

        try
        {
            var patterns = Array(root, "patterns", "").Select((p, i) => new ErrorPattern(
                String(p, "pattern", $"patterns[{i}]"),
                String(p, "evidence", $"patterns[{i}]"),
                Level(p, "severity", $"patterns[{i}]"),
                [.. Array(p, "affected_classes", $"patterns[{i}]").Select((c, j) => c.ValueKind == JsonValueKind.String
                    ? c.GetString()!
                    : throw new SchemaException($"patterns[{i}].affected_classes[{j}] must be a string"))])).ToList();
            var recommendations = Array(root, "recommendations", "").Select((r, i) => new Recommendation(
                String(r, "action", $"recommendations[{i}]"),
                String(r, "rationale", $"recommendations[{i}]"),
                Level(r, "priority", $"recommendations[{i}]"),
                OneOf(r, "category", $"recommendations[{i}]", AnalysisVocabulary.Categories))).ToList();
            return (new AnalysisReport(patterns, recommendations, String(root, "summary", "")), null);
        }
        catch (SchemaException ex)
        {
            return (null, $"the model's answer does not fit the schema: {ex.Message}");
        }
    }

    /// <summary>Some models wrap JSON in a Markdown code fence even when asked for JSON only.</summary>
    private static string StripFence(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal) || !trimmed.EndsWith("```", StringComparison.Ordinal) || trimmed.Length < 6)
        {
            return trimmed;
        }

        var firstLine = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return firstLine < 0 ? trimmed : trimmed[(firstLine + 1)..^3];
    }

    private static JsonElement Field(JsonElement owner, string name, string path)
    {
        if (owner.ValueKind != JsonValueKind.Object)
        {
            throw new SchemaException($"{(path.Length == 0 ? "the answer" : path)} must be an object");
        }

        return owner.TryGetProperty(name, out var value) ? value : throw new SchemaException($"{Path(path, name)} is missing");
    }

    private static IEnumerable<JsonElement> Array(JsonElement owner, string name, string path)
    {
        var value = Field(owner, name, path);
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().ToList()
            : throw new SchemaException($"{Path(path, name)} must be an array");
    }

    private static string String(JsonElement owner, string name, string path)
    {
        var value = Field(owner, name, path);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new SchemaException($"{Path(path, name)} must be a string");
    }

    private static string Level(JsonElement owner, string name, string path) => OneOf(owner, name, path, AnalysisVocabulary.Levels);

    private static string OneOf(JsonElement owner, string name, string path, string[] allowed)
    {
        var value = String(owner, name, path);
        return System.Array.IndexOf(allowed, value) >= 0
            ? value
            : throw new SchemaException($"{Path(path, name)} must be one of {string.Join(", ", allowed)} (got '{value}')");
    }

    private static string Path(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private sealed class SchemaException(string message) : Exception(message);
}
