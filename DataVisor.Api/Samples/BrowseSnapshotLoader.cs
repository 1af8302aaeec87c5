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
        var seen = 0;
        using (var command = connection.Prepare(
                   """
                   SELECT rank_id, rank_file_name, rank_width, rank_height, rank_split, rank_split_desc
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

        return new BrowseSnapshot
        {
            Stamp = stamp,
            Count = count,
            ByFileName = byFileName,
            ByWidth = byWidth,
            ByHeight = byHeight,
            BySplit = bySplit,
            BySplitDescending = bySplitDescending,
            SplitCodes = splitCodes,
            SplitNames = [.. splits.Where(s => s.Name is not null).Select(s => (s.Name!, s.Count))],
        };
    }

    /// <summary>One row per distinct tag: aggregating in DuckDB keeps the reader from materialising a string per membership.</summary>
    public static List<(string Tag, int[] Ordinals)> LoadTags(DuckDBConnection connection, string datasetId)
    {
        using var command = connection.Prepare(
            """
            SELECT tag, list(rank_id) FROM (SELECT unnest(tags) AS tag, rank_id FROM samples WHERE dataset_id = $dataset_id)
            GROUP BY tag ORDER BY tag
            """,
            ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        var tags = new List<(string, int[])>();
        while (reader.Read())
        {
            tags.Add((reader.GetString(0), ToOrdinals(reader.GetFieldValue<List<long>>(1))));
        }

        return tags;
    }

    /// <summary>The membership rows are stored ordered by category, so min/max pruning reads only this category's row groups.</summary>
    public static int[] LoadCategory(DuckDBConnection connection, string datasetId, string category) =>
        ReadOrdinals(connection,
            "SELECT rank_id FROM sample_categories WHERE dataset_id = $dataset_id AND category_name = $category",
            ("dataset_id", datasetId), ("category", category));

    /// <summary>Case-insensitive literal substring of the file name (D23: <c>%</c> and <c>_</c> are plain characters).</summary>
    public static int[] SearchFileNames(DuckDBConnection connection, string datasetId, string search) =>
        ReadOrdinals(connection,
            "SELECT rank_id FROM samples WHERE dataset_id = $dataset_id AND contains(file_name_folded, lower($search))",
            ("dataset_id", datasetId), ("search", search));

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

    private static int[] ToOrdinals(List<long> ranks)
    {
        var ordinals = new int[ranks.Count];
        for (var i = 0; i < ordinals.Length; i++)
        {
            ordinals[i] = checked((int)ranks[i] - 1);
        }

        return ordinals;
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
