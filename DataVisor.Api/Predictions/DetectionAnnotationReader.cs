using System.Globalization;
using System.Text.Json;

namespace DataVisor.Api.Predictions;

/// <summary>
/// Contract §5.6.2: a folder of per-image JSON files with normalised boxes. Each file is small, so it is
/// parsed whole; a file that cannot be read or parsed contributes nothing (but still counts as a file).
/// </summary>
public static class DetectionAnnotationReader
{
    /// <summary>The <c>*.json</c> files directly inside the folder, in ordinal order of their names.</summary>
    public static string[] ListFiles(string directory)
    {
        var files = Directory.GetFiles(directory, "*.json", SearchOption.TopDirectoryOnly)
            .Where(file => Path.GetExtension(file) == ".json")
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Stages every annotation of every file; returns the number of files.</summary>
    public static async Task<long> ReadAsync(IReadOnlyList<string> files, PredictionStaging staging, CancellationToken cancellationToken)
    {
        long sequence = 0;
        for (var fileIndex = 0; fileIndex < files.Count; fileIndex++)
        {
            using var document = await TryParseAsync(files[fileIndex], cancellationToken);
            if (document is null
                || document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("filename", out var fileName)
                || fileName.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var root = document.RootElement;
            var key = fileName.GetString()!;
            staging.AppendFile(fileIndex, key);
            if (!root.TryGetProperty("annotations", out var annotations) || annotations.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            root.TryGetProperty("categories", out var categories);
            foreach (var annotation in annotations.EnumerateArray())
            {
                if (annotation.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                double x = 0, y = 0, w = 0, h = 0;
                if (annotation.TryGetProperty("bbox", out var box) && box.ValueKind == JsonValueKind.Object)
                {
                    x = Number(box, "x");
                    y = Number(box, "y");
                    w = Number(box, "w");
                    h = Number(box, "h");
                }

                // D9: a missing confidence is stored as null (it counts as 1.0 wherever it is compared).
                double? confidence = annotation.TryGetProperty("confidence", out var score) ? FiniteNumber(score) : null;
                var classId = annotation.TryGetProperty("class_id", out var id) && id.ValueKind == JsonValueKind.Number
                    ? (id.TryGetInt64(out var integer) ? integer.ToString(CultureInfo.InvariantCulture) : id.GetRawText())
                    : "-1";
                var name = categories.ValueKind == JsonValueKind.Object
                    && categories.TryGetProperty(classId, out var named) && named.ValueKind == JsonValueKind.String
                    ? named.GetString()!
                    : $"class_{classId}";
                staging.Append(new PredictionRow(sequence++, key, null, name, x, y, w, h, Normalized: true, confidence));
            }
        }

        return files.Count;
    }

    /// <summary>§5.6.4: <c>&lt;source&gt;_&lt;date&gt;</c> from the first file's <c>info</c>, or null when it has neither.</summary>
    public static async Task<string?> DeriveRunNameAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return null;
        }

        using var document = await TryParseAsync(files[0], cancellationToken);
        if (document is null
            || document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("info", out var info)
            || info.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var source = Text(info, "annotations_source");
        var created = Text(info, "created_at");
        var date = created?.Split('T')[0].Split(' ')[0];
        date = string.IsNullOrEmpty(date) ? null : date;
        return (source, date) switch
        {
            (not null, not null) => $"{source}_{date}",
            (not null, null) => source,
            (null, not null) => $"prediction_{date}",
            _ => null,
        };
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;

    private static double Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? FiniteNumber(value) ?? 0 : 0;

    /// <summary>A JSON number that fits a double; anything else (including 1e400) counts as absent.</summary>
    internal static double? FiniteNumber(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) ? number : null;

    private static async Task<JsonDocument?> TryParseAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = File.OpenRead(file);
            return await JsonDocument.ParseAsync(stream, default, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
