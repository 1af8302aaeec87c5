using System.Text.Json;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Reads one classification JSONL file (contract §5.3) line by line into the <see cref="IngestStaging"/>
/// tables: one sample per line that is a JSON object with a file name, one ground-truth annotation per
/// distinct label. Labels are only known at the end, so the declared categories are derived in SQL.
/// </summary>
public sealed class JsonlFileStager(IngestStaging staging, IngestProgress progress)
{
    public async Task<StagedFile> StageAsync(IngestPart part, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(part.AnnotationPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var lines = new JsonlLineReader(file);
        long index = 0, images = 0, escapingImages = 0, skippedLines = 0, annotations = 0;
        var labels = new List<string?>();
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Bytes is { } bytes && bytes.AsSpan().Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            using var record = TryParseObject(line.Bytes);
            if (record is null)
            {
                // Not a JSON object: skipped without taking a line index.
                skippedLines++;
                continue;
            }

            var lineIndex = index++;
            var fileName = FirstPresent(record.RootElement, JsonlSniffer.FileNameKeys);
            if (fileName is null)
            {
                skippedLines++;
                continue;
            }

            var sourceId = lineIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var sampleId = part.IdPrefix + sourceId;
            if (DataPaths.ResolveInside(part.ImageDir, fileName) is not { } imagePath)
            {
                staging.AppendImage(part.Index, lineIndex, sourceId, sampleId, fileName, part.ImageDir, part.Split, 0, 0, skipped: true);
                escapingImages++;
                continue;
            }

            var (width, height) = ImageDimensions.ReadOriented(imagePath);
            staging.AppendImage(part.Index, lineIndex, sourceId, sampleId, fileName, part.ImageDir, part.Split, width, height, skipped: false);
            await progress.RecordStagedAsync(CocoSection.Images, ++images, cancellationToken);

            ReadLabels(record.RootElement, labels);
            foreach (var label in labels)
            {
                var annotationId = $"{part.IdPrefix}ann_{annotations}";
                staging.AppendLabel(part.Index, annotations, annotationId, sourceId, label);
                await progress.RecordStagedAsync(CocoSection.Annotations, ++annotations, cancellationToken);
            }
        }

        return new StagedFile(0, 0, images, escapingImages, annotations) { SkippedLines = skippedLines };
    }

    private static JsonDocument? TryParseObject(byte[]? line)
    {
        if (line is null)
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>The value of the first key present (and not null), stringified.</summary>
    private static string? FirstPresent(JsonElement record, string[] keys)
    {
        foreach (var key in keys)
        {
            if (record.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                return Text(value);
            }
        }

        return null;
    }

    /// <summary>
    /// §5.3: a list is one label per distinct element in list order (empty: none); a missing or null label
    /// is null here and named <c>unknown</c> when published, so that it is not declared as a category.
    /// </summary>
    private static void ReadLabels(JsonElement record, List<string?> labels)
    {
        labels.Clear();
        JsonElement? value = null;
        foreach (var key in JsonlSniffer.LabelKeys)
        {
            if (record.TryGetProperty(key, out var found))
            {
                value = found;
                break;
            }
        }

        if (value is not { ValueKind: not JsonValueKind.Null } label)
        {
            labels.Add(null);
            return;
        }

        if (label.ValueKind != JsonValueKind.Array)
        {
            labels.Add(Text(label));
            return;
        }

        foreach (var element in label.EnumerateArray())
        {
            var text = element.ValueKind == JsonValueKind.Null ? null : Text(element);
            if (!labels.Contains(text, StringComparer.Ordinal))
            {
                labels.Add(text);
            }
        }
    }

    /// <summary>Strings verbatim; numbers, booleans and containers exactly as written in the file.</summary>
    private static string Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
