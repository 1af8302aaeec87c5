using System.Text.Json;
using System.Text.RegularExpressions;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Reads a COCO detection file in one forward pass with <see cref="Utf8JsonReader"/>, in memory bounded by
/// the largest single token rather than by the file (contract §5.2: files of several GB). Top-level keys
/// may come in any order and unknown keys (and unknown fields of entries, such as segmentations) are
/// skipped token by token.
/// </summary>
/// <remarks>
/// <see cref="Utf8JsonReader"/> is a ref struct, so it cannot live across refills: each <see cref="Read"/>
/// builds one over the unconsumed bytes with the saved <see cref="JsonReaderState"/>, and the position
/// inside the file's structure is kept in this class's fields. A token cut by the end of the buffer is
/// left unconsumed and read again, whole, after <see cref="FillAsync"/> has moved it to the front of the
/// buffer and appended more bytes (<see cref="Utf8ReadBuffer"/>, which grows only for a token larger than it).
/// </remarks>
public sealed partial class CocoStreamReader : IDisposable
{
    private readonly Utf8ReadBuffer _bytes;
    private readonly string _path;
    private readonly CocoEntryBuilder _entry = new();
    private JsonReaderState _state;
    private Phase _phase = Phase.BeforeRoot;
    private Phase _afterSkip;
    private int _skipDepth;
    private CocoSection? _section;
    private readonly bool[] _sectionSeen = new bool[3];
    private long _index;

    /// <param name="stream">The file, read forward only.</param>
    /// <param name="path">The file's path, used in error messages.</param>
    /// <param name="bufferSize">Initial buffer size; tests use tiny ones to split every token.</param>
    public CocoStreamReader(Stream stream, string path, int bufferSize = 64 * 1024)
    {
        _bytes = new Utf8ReadBuffer(stream, path, bufferSize);
        _path = path;
        _state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
    }

    private enum Phase
    {
        BeforeRoot,
        InRoot,
        RootValue,
        InSection,
        InEntry,
        EntryValue,
        InBox,
        Skipping,
        AfterRoot,
        Done,
    }

    public CocoCategory Category { get; private set; }

    public CocoImage Image { get; private set; }

    public CocoAnnotation Annotation { get; private set; }

    /// <summary>The array that the last <see cref="CocoReadStatus.SectionEnd"/> closed.</summary>
    public CocoSection CompletedSection { get; private set; }

    /// <summary><c>categories[]</c> entries that were not objects and were skipped.</summary>
    public long SkippedCategoryEntries { get; private set; }

    /// <summary>Bytes of the file consumed so far.</summary>
    public long Position => _bytes.Position;

    /// <summary>
    /// Advances to the next complete entry or section end. Throws <see cref="CocoFileException"/> for
    /// invalid JSON or a file that is not shaped like COCO.
    /// </summary>
    public CocoReadStatus Read()
    {
        if (_phase == Phase.Done)
        {
            return CocoReadStatus.End;
        }

        if (_phase == Phase.BeforeRoot && !_bytes.TrySkipByteOrderMark())
        {
            return CocoReadStatus.NeedMoreData;
        }

        var reader = new Utf8JsonReader(_bytes.Unconsumed, _bytes.EndOfStream, _state);
        CocoReadStatus? found = null;
        try
        {
            while (found is null && reader.Read())
            {
                found = OnToken(ref reader);
            }
        }
        catch (JsonException ex)
        {
            throw InvalidJson(StripPosition(ex.Message), ex.LineNumber, ex.BytePositionInLine, reader.BytesConsumed);
        }
        catch (InvalidOperationException ex)
        {
            // GetString() refuses invalid UTF-8 and lone surrogates inside otherwise well-formed strings.
            throw InvalidJson(ex.Message, null, null, reader.BytesConsumed);
        }

        _bytes.Consume(reader.BytesConsumed);
        _state = reader.CurrentState;
        if (found is { } status)
        {
            return status;
        }

        if (!_bytes.EndOfStream)
        {
            return CocoReadStatus.NeedMoreData;
        }

        if (_phase != Phase.AfterRoot)
        {
            throw InvalidJson("unexpected end of file", null, null, 0);
        }

        _phase = Phase.Done;
        return CocoReadStatus.End;
    }

    /// <summary>Keeps the unconsumed tail, then appends the next bytes of the file.</summary>
    public ValueTask FillAsync(CancellationToken cancellationToken) => _bytes.FillAsync(cancellationToken);

    public void Dispose() => _bytes.Dispose();

    /// <summary>Handles one token; returns a status when an entry or a section is complete.</summary>
    private CocoReadStatus? OnToken(ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        switch (_phase)
        {
            case Phase.BeforeRoot:
                _phase = token == JsonTokenType.StartObject ? Phase.InRoot : throw new CocoFileException($"Not a COCO annotation file: {_path}");
                return null;

            case Phase.InRoot when token == JsonTokenType.EndObject:
                _phase = Phase.AfterRoot;
                return null;

            case Phase.InRoot:
                _section = SectionOf(ref reader);
                if (_section is { } named && _sectionSeen[(int)named])
                {
                    throw new CocoFileException($"Invalid COCO annotation file {_path}: duplicate \"{SectionName(named)}\" key");
                }

                if (_section is { } seen)
                {
                    _sectionSeen[(int)seen] = true;
                }

                _phase = Phase.RootValue;
                return null;

            case Phase.RootValue when _section is null:
                Skip(ref reader, Phase.InRoot);
                return null;

            case Phase.RootValue:
                if (token == JsonTokenType.StartArray)
                {
                    _phase = Phase.InSection;
                    _index = 0;
                    return null;
                }

                // A null array is an empty one; anything else cannot be read as entries.
                return token == JsonTokenType.Null
                    ? EndSection()
                    : throw new CocoFileException($"Invalid COCO annotation file {_path}: \"{SectionName(_section!.Value)}\" is not an array");

            case Phase.InSection when token == JsonTokenType.EndArray:
                return EndSection();

            case Phase.InSection when token == JsonTokenType.StartObject:
                _entry.Reset();
                _phase = Phase.InEntry;
                return null;

            case Phase.InSection when _section == CocoSection.Categories:
                SkippedCategoryEntries++;
                _index++;
                Skip(ref reader, Phase.InSection);
                return null;

            case Phase.InSection:
                throw new CocoFileException($"Invalid COCO annotation file {_path}: {SectionName(_section!.Value)}[{_index}] is not an object");

            case Phase.InEntry when token == JsonTokenType.EndObject:
                _phase = Phase.InSection;
                return EmitEntry();

            case Phase.InEntry:
                _entry.SelectField(ref reader);
                _phase = Phase.EntryValue;
                return null;

            case Phase.EntryValue:
                var next = _entry.ReadValue(ref reader, _section!.Value);
                if (next == CocoEntryBuilder.ValueOutcome.OpenedBox)
                {
                    _phase = Phase.InBox;
                }
                else
                {
                    Skip(ref reader, Phase.InEntry);
                }

                return null;

            case Phase.InBox when token == JsonTokenType.EndArray:
                _phase = Phase.InEntry;
                return null;

            case Phase.InBox:
                _entry.ReadBoxItem(ref reader);
                Skip(ref reader, Phase.InBox);
                return null;

            case Phase.Skipping:
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == _skipDepth)
                {
                    _phase = _afterSkip;
                }

                return null;

            default:
                // The reader itself rejects anything after the root value; this is defensive.
                throw new CocoFileException($"Invalid JSON in {_path}: unexpected content after the root object");
        }
    }

    /// <summary>Continues in <paramref name="then"/> once the current value (scalar or container) is over.</summary>
    private void Skip(ref Utf8JsonReader reader, Phase then)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            _skipDepth = reader.CurrentDepth;
            _afterSkip = then;
            _phase = Phase.Skipping;
        }
        else
        {
            _phase = then;
        }
    }

    private CocoReadStatus EndSection()
    {
        CompletedSection = _section!.Value;
        _phase = Phase.InRoot;
        return CocoReadStatus.SectionEnd;
    }

    private CocoReadStatus EmitEntry()
    {
        var index = _index++;
        switch (_section!.Value)
        {
            case CocoSection.Categories:
                Category = _entry.ToCategory(index);
                return CocoReadStatus.Category;
            case CocoSection.Images:
                Image = _entry.ToImage(index);
                return CocoReadStatus.Image;
            default:
                Annotation = _entry.ToAnnotation(index);
                return CocoReadStatus.Annotation;
        }
    }

    private static CocoSection? SectionOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("images"u8) ? CocoSection.Images
        : reader.ValueTextEquals("annotations"u8) ? CocoSection.Annotations
        : reader.ValueTextEquals("categories"u8) ? CocoSection.Categories
        : null;

    private static string SectionName(CocoSection section) => section.ToString().ToLowerInvariant();

    private CocoFileException InvalidJson(string reason, long? line, long? column, long consumedInBuffer)
    {
        var where = line is { } l && column is { } c ? $"line {l + 1}, column {c + 1}, " : string.Empty;
        return new CocoFileException($"Invalid JSON in {_path}: {reason.TrimEnd('.')} ({where}near byte offset {Position + consumedInBuffer})");
    }

    private static string StripPosition(string message) => ReaderPositionSuffix().Replace(message, string.Empty);

    [GeneratedRegex(@"\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex ReaderPositionSuffix();
}
