using System.Buffers;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// A pooled window over a forward-only stream for <see cref="System.Text.Json.Utf8JsonReader"/>: the
/// unconsumed tail is kept when more bytes are appended, and the window grows only when a single token
/// fills all of it. Memory is bounded by the largest token, never by the stream.
/// </summary>
internal sealed class Utf8ReadBuffer(Stream stream, string path, int initialSize) : IDisposable
{
    /// <summary>One token larger than this is refused rather than buffered.</summary>
    public const int MaxTokenBytes = 256 * 1024 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, initialSize));
    private int _start;
    private int _end;
    private long _windowOffset;

    /// <summary>The stream has no more bytes; what is unconsumed is all there is.</summary>
    public bool EndOfStream { get; private set; }

    /// <summary>Stream offset of the first unconsumed byte.</summary>
    public long Position => _windowOffset + _start;

    /// <summary>True until anything has been consumed or moved: the window still starts at byte 0.</summary>
    public bool AtStart => _windowOffset == 0 && _start == 0;

    public ReadOnlySpan<byte> Unconsumed => _buffer.AsSpan(_start, _end - _start);

    public void Consume(long count) => _start += checked((int)count);

    public async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        var pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            _windowOffset += _start;
            _start = 0;
            _end = pending;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxTokenBytes)
            {
                throw new CocoFileException($"Invalid JSON in {path}: a single value near byte offset {Position} is larger than {MaxTokenBytes / (1024 * 1024)} MiB");
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxTokenBytes, _buffer.Length * 2));
            Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        EndOfStream = read == 0;
        _end += read;
    }

    /// <summary>
    /// Steps over a UTF-8 byte order mark at the start of the stream, which editors on Windows write and
    /// <see cref="System.Text.Json.Utf8JsonReader"/> refuses. False while the bytes so far could still be one.
    /// </summary>
    public bool TrySkipByteOrderMark()
    {
        ReadOnlySpan<byte> mark = [0xEF, 0xBB, 0xBF];
        var head = _buffer.AsSpan(0, Math.Min(_end, mark.Length));
        if (!AtStart || !mark.StartsWith(head))
        {
            return true;
        }

        if (head.Length == mark.Length)
        {
            _start = mark.Length;
            return true;
        }

        return EndOfStream;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
