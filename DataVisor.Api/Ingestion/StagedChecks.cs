using DuckDB.NET.Data;

namespace DataVisor.Api.Ingestion;

/// <summary>How the staged annotations of one file relate to its staged images.</summary>
public sealed record StagedAnnotationCounts(long Stored, long Orphans);

/// <summary>Checks across entries that the single pass cannot make without holding every id in memory.</summary>
public static class StagedChecks
{
    /// <summary>The first image id (in file order) that more than one image of the file uses, or null.</summary>
    public static string? FindDuplicateImageId(DuckDBConnection connection, int part)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT source_image_id FROM staged_images
            WHERE part = $part
            GROUP BY source_image_id HAVING count(*) > 1
            ORDER BY min(position) LIMIT 1
            """;
        command.Parameters.Add(new DuckDBParameter("part", part));
        return command.ExecuteScalar() as string;
    }

    /// <summary>
    /// The first sample id (in file order) of this part that an earlier part already produced, with that
    /// part's split, or null. Split prefixes (§2.10) make ids unique only while no image id contains an
    /// underscore: split "a" with image "b_1" and split "a_b" with image "1" are both <c>a_b_1</c>.
    /// </summary>
    public static (string SampleId, string? EarlierSplit)? FindSampleIdOfAnEarlierPart(DuckDBConnection connection, int part)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT later.sample_id, earlier.split FROM staged_images later
            JOIN staged_images earlier ON earlier.sample_id = later.sample_id AND earlier.part < later.part
            WHERE later.part = $part
            ORDER BY later.position, earlier.part LIMIT 1
            """;
        command.Parameters.Add(new DuckDBParameter("part", part));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>
    /// Annotations whose image is stored, and orphans whose <c>image_id</c> names no image of the file
    /// (D19). Annotations of images skipped for their file name are neither: they go with their image.
    /// </summary>
    public static StagedAnnotationCounts CountAnnotations(DuckDBConnection connection, int part)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*) FILTER (WHERE i.skipped = false),
                   count(*) FILTER (WHERE i.source_image_id IS NULL)
            FROM staged_annotations a
            LEFT JOIN (SELECT DISTINCT source_image_id, skipped FROM staged_images WHERE part = $part) i
                ON i.source_image_id = a.image_id
            WHERE a.part = $part
            """;
        command.Parameters.Add(new DuckDBParameter("part", part));
        using var reader = command.ExecuteReader();
        reader.Read();
        return new StagedAnnotationCounts(reader.GetInt64(0), reader.GetInt64(1));
    }
}
