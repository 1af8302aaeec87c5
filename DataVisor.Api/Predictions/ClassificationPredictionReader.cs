using System.Text.Json;

namespace DataVisor.Api.Predictions;

/// <summary>
/// Contract §5.6.3: one classification prediction per JSONL line. Lines are short, so each is parsed as
/// a document; lines that are invalid or lack a file name or a label are skipped.
/// </summary>
public static class ClassificationPredictionReader
{
    private static readonly string[] FileNameKeys = ["filename", "file_name", "image", "path"];
    private static readonly string[] LabelKeys = ["label", "class", "category", "class_name", "predicted_label", "prediction"];
    private static readonly string[] ConfidenceKeys = ["confidence", "score", "probability", "prob"];

    /// <summary>Stages the usable lines; returns the number of non-blank lines.</summary>
    public static async Task<long> ReadAsync(string path, PredictionStaging staging, CancellationToken cancellationToken)
    {
        using var lines = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        long nonBlank = 0;
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var sequence = nonBlank++;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || FirstPresent(root, FileNameKeys) is not { } fileNameValue
                    || Stringify(fileNameValue) is not { } fileName
                    || Label(root) is not { } label)
                {
                    continue;
                }

                double? confidence = FirstPresent(root, ConfidenceKeys) is { } number ? DetectionAnnotationReader.FiniteNumber(number) : null;
                staging.Append(new PredictionRow(sequence, fileName, null, label, 0, 0, 0, 0, Normalized: false, confidence));
            }
        }

        return nonBlank;
    }

    private static string? Label(JsonElement root)
    {
        if (FirstPresent(root, LabelKeys) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            // A list gives its first element.
            using var items = value.EnumerateArray();
            return items.MoveNext() ? Stringify(items.Current) : null;
        }

        return Stringify(value);
    }

    /// <summary>The value of the first key that is present and not null.</summary>
    private static JsonElement? FirstPresent(JsonElement root, string[] keys)
    {
        foreach (var key in keys)
        {
            if (root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Strings as they are; numbers as written in the source; booleans as <c>true</c>/<c>false</c>.</summary>
    private static string? Stringify(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
