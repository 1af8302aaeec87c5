using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Samples;

/// <summary>Reads the parts of a <see cref="BrowseSnapshot"/> from the stored ranks and memberships (<see cref="BrowseIndex"/>).</summary>
internal static class BrowseSnapshotLoader
{
    /// <summary>Ranks and splits in one read transaction, so they describe the same samples.</summary>
    public static BrowseSnapshot LoadBase(DuckDBConnection connection, string datasetId, DatasetStamp stamp)
    {
        using var transaction = connection.BeginTransaction();
        // Null last, as rank_split orders them: ranks 1…c₁ hold the first split's samples, and so on.
        var splits = new List<(string? Name, long Count)>();
        using (var command = connection.Prepare(
                   "SELECT split, count(*) FROM samples WHERE dataset_id = $dataset_id GROUP BY split ORDER BY split ASC NULLS LAST",
                   ("dataset_id", datasetId)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                splits.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1)));
            }
        }

        var count = checked((int)splits.Sum(s => s.Count));
        if (splits.Count(s => s.Name is not null) > byte.MaxValue)
        {
            throw new InvalidOperationException($"Dataset {datasetId} has more than {byte.MaxValue} splits.");
        }

        int[] byFileName = new int[count], byWidth = new int[count], byHeight = new int[count], bySplit = new int[count], bySplitDescending = new int[count];
        int[] widths = new int[count], heights = new int[count];
        var ids = new Utf8ColumnBuilder(count);
        var fileNames = new Utf8ColumnBuilder(count);
        var seen = 0;
        // No ORDER BY: sorting a million rows with their strings costs more than placing them by rank here.
        using (var command = connection.Prepare(
                   """
                   SELECT rank_id, rank_file_name, rank_width, rank_height, rank_split, rank_split_desc, id, file_name, width, height
                   FROM samples WHERE dataset_id = $dataset_id
                   """,
                   ("dataset_id", datasetId)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var ordinal = Index(reader, 0, count, datasetId);
                byFileName[Index(reader, 1, count, datasetId)] = ordinal;
                byWidth[Index(reader, 2, count, datasetId)] = ordinal;
                byHeight[Index(reader, 3, count, datasetId)] = ordinal;
                bySplit[Index(reader, 4, count, datasetId)] = ordinal;
                bySplitDescending[Index(reader, 5, count, datasetId)] = ordinal;
                ids.Add(ordinal, reader.GetString(6));
                fileNames.Add(ordinal, reader.GetString(7));
                widths[ordinal] = reader.GetInt32(8);
                heights[ordinal] = reader.GetInt32(9);
                seen++;
            }
        }

        transaction.Commit();
        if (seen != count)
        {
            throw new InvalidOperationException($"Dataset {datasetId}: {seen} rank rows for {count} samples.");
        }

        var splitCodes = new byte[count];
        var rank = 0;
        var code = 0;
        foreach (var (name, samples) in splits)
        {
            code++;
            for (var end = rank + samples; rank < end; rank++)
            {
                splitCodes[bySplit[rank]] = name is null ? (byte)0 : (byte)code;
            }
        }

        var idColumn = ids.Build();
        return new BrowseSnapshot
        {
            Stamp = stamp,
            Count = count,
            Ids = idColumn,
            IdsAscend = idColumn.Ascends(),
            FileNames = fileNames.Build(),
            Widths = widths,
            Heights = heights,
            ByFileName = byFileName,
            ByWidth = byWidth,
            ByHeight = byHeight,
            BySplit = bySplit,
            BySplitDescending = bySplitDescending,
            SplitCodes = splitCodes,
            SplitNames = [.. splits.Where(s => s.Name is not null).Select(s => (s.Name!, s.Count))],
        };
    }

    /// <summary>
    /// One row per distinct tag with its (rank, position in the sample's list) pairs packed into one
    /// BIGINT: aggregating in DuckDB keeps the reader from materialising a string per membership, and the
    /// positions rebuild every sample's list in its stored order.
    /// </summary>
    public static TagMembership LoadTags(DuckDBConnection connection, string datasetId, long generation, int count)
    {
        using var command = connection.Prepare(
            $"""
            SELECT tag, list(rank_id * {PositionsPerRank} + position - 1)
            FROM (SELECT rank_id, unnest(tags) AS tag, generate_subscripts(tags, 1) AS position FROM samples WHERE dataset_id = $dataset_id)
            GROUP BY tag ORDER BY tag
            """,
            ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        var tags = new List<(string, int[])>();
        var packed = new List<List<long>>();
        var sampleStarts = new int[count + 1];
        while (reader.Read())
        {
            var pairs = reader.GetFieldValue<List<long>>(1);
            var ordinals = new int[pairs.Count];
            for (var i = 0; i < ordinals.Length; i++)
            {
                ordinals[i] = (int)(pairs[i] / PositionsPerRank) - 1;
                if ((uint)ordinals[i] < (uint)count)
                {
                    sampleStarts[ordinals[i] + 1]++;
                }
            }

            tags.Add((reader.GetString(0), ordinals));
            packed.Add(pairs);
        }

        for (var ordinal = 0; ordinal < count; ordinal++)
        {
            sampleStarts[ordinal + 1] += sampleStarts[ordinal];
        }

        var sampleTags = new int[sampleStarts[count]];
        for (var tag = 0; tag < packed.Count; tag++)
        {
            foreach (var pair in packed[tag])
            {
                var (ordinal, position) = ((int)(pair / PositionsPerRank) - 1, (int)(pair % PositionsPerRank));
                if ((uint)ordinal < (uint)count && sampleStarts[ordinal] + position < sampleStarts[ordinal + 1])
                {
                    sampleTags[sampleStarts[ordinal] + position] = tag;
                }
            }
        }

        return new TagMembership(generation, tags, sampleStarts, sampleTags);
    }

    /// <summary>Room for this many tags per sample in the packed (rank, position) pairs.</summary>
    private const long PositionsPerRank = 1 << 20;

    /// <summary>One category's members, in any order (a scan of the dataset's membership rows, once per change).</summary>
    public static int[] LoadCategory(DuckDBConnection connection, string datasetId, string category) =>
        ReadOrdinals(connection,
            "SELECT rank_id FROM sample_categories WHERE dataset_id = $dataset_id AND category_name = $category",
            ("dataset_id", datasetId), ("category", category));

    /// <summary>Unknown ids are simply not found.</summary>
    public static int[] FindIds(DuckDBConnection connection, string datasetId, IReadOnlyList<string> sampleIds) =>
        ReadOrdinals(connection,
            "SELECT rank_id FROM samples WHERE dataset_id = $dataset_id AND id IN (SELECT unnest($sample_ids))",
            ("dataset_id", datasetId), ("sample_ids", sampleIds.ToList()));

    private static int[] ReadOrdinals(DuckDBConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.Prepare(sql, parameters);
        using var reader = command.ExecuteReader();
        var ordinals = new List<int>();
        while (reader.Read())
        {
            ordinals.Add(checked((int)reader.GetInt64(0) - 1));
        }

        return [.. ordinals];
    }

    /// <summary>A stored rank as a 0-based index, checked: a missing or out-of-range rank means the browse index was not computed.</summary>
    private static int Index(DuckDBDataReader reader, int column, int count, string datasetId)
    {
        var rank = reader.IsDBNull(column) ? 0 : reader.GetInt64(column);
        return rank >= 1 && rank <= count
            ? (int)(rank - 1)
            : throw new InvalidOperationException($"Dataset {datasetId}: sort rank {rank} out of 1…{count} (BrowseIndex.ComputeSampleKeys not run?)");
    }
}

/// <summary>Appends strings as UTF-8 in arrival order and remembers where each ordinal's bytes are.</summary>
internal sealed class Utf8ColumnBuilder(int count)
{
    private readonly int[] _starts = new int[count];
    private readonly int[] _lengths = new int[count];
    private byte[] _bytes = new byte[Math.Max(16, count * 16)];
    private int _used;

    public void Add(int ordinal, string value)
    {
        var length = System.Text.Encoding.UTF8.GetByteCount(value);
        if (_used + length > _bytes.Length)
        {
            Array.Resize(ref _bytes, checked(Math.Max(_bytes.Length * 2, _used + length)));
        }

        _starts[ordinal] = _used;
        _lengths[ordinal] = System.Text.Encoding.UTF8.GetBytes(value, _bytes.AsSpan(_used));
        _used += length;
    }

    public Utf8Column Build() => new(_bytes[.._used], _starts, _lengths);
}
