using System.Globalization;
using System.Text;
using System.Text.Json;
using DataVisor.Api.Ingestion;

namespace DataVisor.Api.Predictions;

/// <summary>
/// Contract §5.6.1: a COCO results file (one JSON array of detections) read as a stream, item by item,
/// so that memory stays bounded by the largest single item rather than the file. Items that cannot be
/// attached (no <c>image_id</c>, no <c>score</c>, no integer <c>category_id</c>) are counted but not staged.
/// </summary>
public static class CocoResultsReader
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Stages the usable items and returns the number of array items.</summary>
    public static async Task<long> ReadAsync(string path, PredictionStaging staging, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        using var buffer = new Utf8ReadBuffer(file, path, BufferSize);
        var state = new JsonReaderState();
        var phase = Phase.BeforeArray;
        long items = 0;
        try
        {
            while (true)
            {
                var step = Step(buffer, ref state, ref phase, ref items, staging);
                if (step == StepResult.Done)
                {
                    return items;
                }

                if (step == StepResult.NeedMore)
                {
                    if (buffer.EndOfStream)
                    {
                        throw new InvalidPredictionFileException("unexpected end of file");
                    }

                    await buffer.FillAsync(cancellationToken);
                }
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidPredictionFileException(ex.Message);
        }
        catch (CocoFileException ex)
        {
            throw new InvalidPredictionFileException(ex.Message);
        }
    }

    private enum Phase
    {
        BeforeArray,
        InArray,
        AfterArray,
    }

    private enum StepResult
    {
        Progress,
        NeedMore,
        Done,
    }

    /// <summary>Reads as many whole tokens or items as the window holds; a Utf8JsonReader cannot cross an await.</summary>
    private static StepResult Step(Utf8ReadBuffer buffer, ref JsonReaderState state, ref Phase phase, ref long items, PredictionStaging staging)
    {
        if (!buffer.TrySkipByteOrderMark())
        {
            return StepResult.NeedMore;
        }

        var window = buffer.Unconsumed;
        var reader = new Utf8JsonReader(window, buffer.EndOfStream, state);
        if (phase == Phase.AfterArray)
        {
            // Only whitespace may follow the array; the reader itself rejects a second value.
            if (reader.Read())
            {
                throw new InvalidPredictionFileException("unexpected content after the JSON array");
            }

            buffer.Consume(reader.BytesConsumed);
            state = reader.CurrentState;
            return buffer.EndOfStream ? StepResult.Done : StepResult.NeedMore;
        }

        if (phase == Phase.BeforeArray)
        {
            if (!reader.Read())
            {
                return StepResult.NeedMore;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new InvalidPredictionFileException("expected a JSON array of detections");
            }

            phase = Phase.InArray;
            buffer.Consume(reader.BytesConsumed);
            state = reader.CurrentState;
            return StepResult.Progress;
        }

        var progressed = false;
        while (true)
        {
            var before = reader.BytesConsumed;
            var checkpoint = reader.CurrentState;
            if (!reader.Read())
            {
                break;
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                phase = Phase.AfterArray;
                buffer.Consume(reader.BytesConsumed);
                state = reader.CurrentState;
                return StepResult.Progress;
            }

            var itemStart = reader.TokenStartIndex;
            if (!reader.TrySkip())
            {
                buffer.Consume(before);
                state = checkpoint;
                return progressed ? StepResult.Progress : StepResult.NeedMore;
            }

            var item = window[(int)itemStart..(int)reader.BytesConsumed];
            if (TryParseItem(item, items, out var row))
            {
                staging.Append(row);
            }

            items++;
            progressed = true;
        }

        buffer.Consume(reader.BytesConsumed);
        state = reader.CurrentState;
        return progressed ? StepResult.Progress : StepResult.NeedMore;
    }

    private static bool TryParseItem(ReadOnlySpan<byte> item, long sequence, out PredictionRow row)
    {
        row = default;
        var reader = new Utf8JsonReader(item, isFinalBlock: true, default);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? imageId = null;
        long? categoryId = null;
        double? score = null;
        double x = 0, y = 0, w = 0, h = 0;
        // Later duplicates of a key win, as in a Python dict.
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("image_id"u8))
            {
                reader.Read();
                imageId = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number when reader.TryGetInt64(out var integer) => integer.ToString(CultureInfo.InvariantCulture),
                    JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
            }
            else if (reader.ValueTextEquals("category_id"u8))
            {
                reader.Read();
                categoryId = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var category) ? category : null;
            }
            else if (reader.ValueTextEquals("score"u8))
            {
                reader.Read();
                score = FiniteNumber(ref reader);
            }
            else if (reader.ValueTextEquals("bbox"u8))
            {
                reader.Read();
                (x, y, w, h) = ReadBox(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (imageId is null || score is null || categoryId is null)
        {
            return false;
        }

        row = new PredictionRow(sequence, imageId, categoryId, null, x, y, w, h, Normalized: false, score);
        return true;
    }

    /// <summary>A JSON number that fits a double; anything else (including 1e400) counts as absent.</summary>
    private static double? FiniteNumber(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) && double.IsFinite(value) ? value : null;

    /// <summary><c>[x, y, w, h]</c> of four numbers; anything else is "malformed" and gives a zero box.</summary>
    private static (double X, double Y, double W, double H) ReadBox(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return default;
        }

        Span<double> values = stackalloc double[4];
        var count = 0;
        var valid = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (count < 4 && FiniteNumber(ref reader) is { } value)
            {
                values[count] = value;
            }
            else
            {
                valid = false;
                reader.Skip();
            }

            count++;
        }

        return valid && count == 4 ? (values[0], values[1], values[2], values[3]) : default;
    }
}
