using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Samples;

/// <summary>
/// R8's search filter in memory: the lower-cased file names stored at ingest (<c>file_name_folded</c>)
/// as one UTF-8 array, searched with one vectorised <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>
/// pass instead of DuckDB's ~80 ms <c>contains</c> over a million rows. The needle is lower-cased by
/// DuckDB too, so the test is exactly the stored one: a byte substring of the folded name, with
/// <c>%</c> and <c>_</c> plain characters (D23).
/// </summary>
public sealed class FileNameSearch
{
    private readonly byte[] _bytes;

    // Entry i (in the order DuckDB returned the rows) spans _starts[i] … _starts[i + 1] and is _ordinals[i].
    private readonly int[] _starts;
    private readonly int[] _ordinals;

    private FileNameSearch(byte[] bytes, int[] starts, int[] ordinals) => (_bytes, _starts, _ordinals) = (bytes, starts, ordinals);

    public long Bytes => _bytes.Length + (_starts.Length + _ordinals.Length) * (long)sizeof(int);

    public static FileNameSearch Load(DuckDBConnection connection, string datasetId, int count)
    {
        // Folded here too when a row lacks the stored fold, so search never silently misses.
        using var command = connection.Prepare(
            "SELECT rank_id, coalesce(file_name_folded, lower(file_name)) FROM samples WHERE dataset_id = $dataset_id", ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        var bytes = new byte[Math.Max(16, count * 16)];
        var starts = new List<int>(count + 1);
        var ordinals = new List<int>(count);
        var used = 0;
        while (reader.Read())
        {
            var name = reader.GetString(1);
            var length = System.Text.Encoding.UTF8.GetByteCount(name);
            if (used + length > bytes.Length)
            {
                Array.Resize(ref bytes, checked(Math.Max(bytes.Length * 2, used + length)));
            }

            starts.Add(used);
            ordinals.Add(checked((int)reader.GetInt64(0) - 1));
            used += System.Text.Encoding.UTF8.GetBytes(name, bytes.AsSpan(used));
        }

        starts.Add(used);
        return new FileNameSearch(bytes[..used], [.. starts], [.. ordinals]);
    }

    /// <summary>The needle as DuckDB folds it (the same <c>lower</c> the ingest applied to the names).</summary>
    public static byte[] Fold(DuckDBConnection connection, string search) =>
        System.Text.Encoding.UTF8.GetBytes((string)connection.Scalar("SELECT lower($search)", ("search", search))!);

    /// <summary>Ordinals of the names containing <paramref name="needle"/>.</summary>
    public List<int> Find(ReadOnlySpan<byte> needle)
    {
        var found = new List<int>();
        if (needle.IsEmpty)
        {
            found.AddRange(_ordinals);
            return found;
        }

        var bytes = _bytes.AsSpan();
        var position = 0;
        while (position < bytes.Length)
        {
            var at = bytes[position..].IndexOf(needle);
            if (at < 0)
            {
                break;
            }

            var hit = position + at;
            var entry = EntryAt(hit);
            var end = _starts[entry + 1];
            if (hit + needle.Length <= end)
            {
                found.Add(_ordinals[entry]);
                position = end; // one hit per name is enough
            }
            else
            {
                position = hit + 1; // the match ran into the next name: not a match
            }
        }

        return found;
    }

    /// <summary>The entry whose bytes contain <paramref name="offset"/>: the last start ≤ offset (empty names share a start).</summary>
    private int EntryAt(int offset)
    {
        var index = Array.BinarySearch(_starts, 0, _ordinals.Length, offset);
        if (index < 0)
        {
            return ~index - 1;
        }

        // Several empty names may start here; the non-empty one holding the offset is the last of them.
        while (index + 1 < _ordinals.Length && _starts[index + 1] == offset)
        {
            index++;
        }

        return index;
    }
}
