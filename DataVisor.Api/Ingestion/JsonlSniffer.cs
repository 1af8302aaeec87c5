using System.Text.Json;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// The JSONL sniff of contract §5.5: up to the first 5 non-blank lines must each be a JSON object with a
/// file-name key and a label key and neither <c>bbox</c> nor <c>annotations</c>. Any error means "not JSONL".
/// </summary>
public static class JsonlSniffer
{
    public static readonly string[] FileNameKeys = ["filename", "file_name", "image", "path"];
    public static readonly string[] LabelKeys = ["label", "class", "category", "class_name"];

    private const int LinesToCheck = 5;

    // A COCO file may be one multi-gigabyte line; a JSONL record line is never this long.
    private const int MaxLineBytes = 1 << 20;

    public static bool LooksLikeJsonl(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024);
            var checkedLines = 0;
            while (checkedLines < LinesToCheck && ReadLine(file) is { } line)
            {
                if (line.AsSpan().Trim(" \t\r"u8).IsEmpty)
                {
                    continue;
                }

                if (!IsRecordLine(line))
                {
                    return false;
                }

                checkedLines++;
            }

            return checkedLines > 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            return false;
        }
    }

    private static bool IsRecordLine(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
            && FileNameKeys.Any(key => root.TryGetProperty(key, out _))
            && LabelKeys.Any(key => root.TryGetProperty(key, out _))
            && !root.TryGetProperty("bbox", out _)
            && !root.TryGetProperty("annotations", out _);
    }

    /// <summary>The next line without its terminator, null at the end of the file.</summary>
    private static byte[]? ReadLine(Stream file)
    {
        using var line = new MemoryStream();
        int value;
        while ((value = file.ReadByte()) >= 0 && value != '\n')
        {
            if (line.Length == MaxLineBytes)
            {
                throw new InvalidDataException("Line too long for a JSONL record.");
            }

            line.WriteByte((byte)value);
        }

        return value < 0 && line.Length == 0 ? null : line.ToArray();
    }
}
