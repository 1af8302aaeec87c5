using System.Buffers;
using System.IO.Pipelines;

namespace DataVisor.Api.Ingestion;

/// <summary>One line of a JSONL file, without its terminator; <see cref="Bytes"/> is null when the line was too long to hold.</summary>
public readonly record struct JsonlLine(byte[]? Bytes);

/// <summary>
/// Reads a file line by line in bounded memory: a line longer than the limit (a COCO file sent as JSONL is
/// one huge line) is discarded while it streams past and reported as overlong instead of being buffered.
/// </summary>
public sealed class JsonlLineReader(Stream stream, int maxLineBytes = 16 * 1024 * 1024) : IAsyncDisposable
{
    private readonly PipeReader _pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
    private bool _discarding;

    /// <summary>The next line, or null at the end of the file.</summary>
    public async ValueTask<JsonlLine?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } newline)
            {
                var line = Take(buffer.Slice(0, newline));
                _pipe.AdvanceTo(buffer.GetPosition(1, newline));
                return line;
            }

            if (result.IsCompleted)
            {
                var atEnd = buffer.IsEmpty && !_discarding;
                var last = atEnd ? (JsonlLine?)null : Take(buffer);
                _pipe.AdvanceTo(buffer.End);
                return last;
            }

            if (buffer.Length > maxLineBytes)
            {
                _discarding = true;
                _pipe.AdvanceTo(buffer.End);
            }
            else
            {
                _pipe.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    public ValueTask DisposeAsync() => _pipe.CompleteAsync();

    private JsonlLine Take(ReadOnlySequence<byte> line)
    {
        var overlong = _discarding || line.Length > maxLineBytes;
        _discarding = false;
        return new JsonlLine(overlong ? null : line.ToArray());
    }
}
