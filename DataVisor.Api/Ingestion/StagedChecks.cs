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
