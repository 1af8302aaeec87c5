using System.Text.Json;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// The COCO sniff of contract §5.5: the file, parsed as a stream, is a JSON object with a key <c>images</c>
/// among its first 10 keys. There is no size limit (D22), so a file whose huge <c>annotations</c> array
/// comes first is read token by token in a bounded buffer. Any parse or read error means "not COCO".
/// </summary>
public static class CocoSniffer
{
    private const int KeysToCheck = 10;

    public static bool LooksLikeCoco(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            return HasImagesKey(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }

    private static bool HasImagesKey(Stream file)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        var state = new JsonReaderState();
        var started = false;
        var keys = 0;
        var atStart = true;
        while (true)
        {
            var read = file.Read(buffer, length, buffer.Length - length);
            length += read;
            var final = read == 0;
            var offset = 0;
            if (atStart && (length >= 3 || final))
            {
                atStart = false;
                offset = length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
            }
            else if (atStart)
            {
                continue;
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(offset, length - offset), final, state);
            while (reader.Read())
            {
                if (!started)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return false;
                    }

                    started = true;
                }
                else if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("images"u8))
                    {
                        return true;
                    }

                    if (++keys == KeysToCheck)
                    {
                        return false;
                    }
                }
                else if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndObject)
                {
                    return false;
                }
            }

            if (final)
            {
                return false;
            }

            state = reader.CurrentState;
            var consumed = offset + (int)reader.BytesConsumed;
            var remaining = length - consumed;
            if (consumed == 0 && remaining == buffer.Length)
            {
                // One token longer than the buffer (a long string): grow, as the reader must see it whole.
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            else
            {
                Buffer.BlockCopy(buffer, consumed, buffer, 0, remaining);
            }

            length = remaining;
        }
    }
}
