using System.Globalization;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// A COCO ingest appends its annotations ONCE, straight into <c>annotations</c> under the new dataset id,
/// instead of into a staging table that a later <c>INSERT … SELECT</c> copies (that second 1M-row write was
/// ~40 % of the ingest). The rows are committed as they are appended, yet nothing shows them: every route
/// finds a dataset through its <c>datasets</c> row, which <see cref="IngestPublisher"/> inserts last, in
/// the publishing transaction. Until then the rows are "unpublished": a failed or cancelled ingest deletes
/// them (<see cref="Delete"/>), and a process killed mid-ingest leaves rows that the next start deletes
/// (<see cref="DeleteLeftovers"/>).
/// </summary>
/// <remarks>
/// Appended rows carry what the single pass knows: <c>sample_id</c> is the split prefix plus the file's
/// <c>image_id</c> (empty when it has none, which no sample id is), and <c>category_name</c> holds the
/// category id as decimal text (empty when none), because a COCO file may declare its categories after
/// its annotations (val2017 does). The publisher drops rows whose image is not stored, names the
/// categories and makes ids unique, in its transaction.
/// </remarks>
public static class UnpublishedAnnotations
{
    /// <summary>The <c>category_name</c> an annotation is appended with, until <see cref="NameCategories"/> replaces it.</summary>
    public static string CategoryPlaceholder(long? categoryId) =>
        categoryId is { } id ? id.ToString(CultureInfo.InvariantCulture) : string.Empty;

    /// <summary>
    /// Running totals over every part staged so far: annotations whose image is stored in <paramref name="part"/>,
    /// and orphans whose image id names no staged image of any part (D19). Annotations of images skipped
    /// for their file name are neither. Split prefixes keep the parts' sample ids apart.
    /// </summary>
    public static StagedAnnotationCounts Count(DuckDBConnection connection, string datasetId, int part)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*) FILTER (WHERE i.part = $part AND NOT i.skipped),
                   count(*) FILTER (WHERE i.sample_id IS NULL)
            FROM annotations a
            LEFT JOIN (SELECT DISTINCT sample_id, part, skipped FROM staged_images) i ON i.sample_id = a.sample_id
            WHERE a.dataset_id = $dataset_id
            """;
        command.Parameters.Add(new DuckDBParameter("part", part));
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        reader.Read();
        return new StagedAnnotationCounts(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Makes the appended rows what <c>annotations</c> holds for a published dataset; call inside the
    /// publishing transaction, under the <see cref="RowUpdateGate"/> (so that the id check sees every
    /// earlier commit, and the 1M-row update cannot conflict with another writer's). Returns the row count.
    /// </summary>
    public static long Complete(DuckDBConnection connection, string datasetId)
    {
        // Orphans and annotations of skipped images (counted already) go.
        connection.Execute(
            """
            DELETE FROM annotations
            WHERE dataset_id = $dataset_id
              AND sample_id NOT IN (SELECT sample_id FROM staged_images WHERE NOT skipped)
            """,
            ("dataset_id", datasetId));
        NameCategories(connection, datasetId);
        MakeIdsUnique(connection, datasetId);
        return Convert.ToInt64(
            connection.Scalar("SELECT count(*) FROM annotations WHERE dataset_id = $dataset_id", ("dataset_id", datasetId)),
            CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Replaces each placeholder with the name its category id was first declared with (parts in order,
    /// then file order), or <c>unknown</c> when no part declares it.
    /// </summary>
    private static void NameCategories(DuckDBConnection connection, string datasetId) =>
        connection.Execute(
            """
            UPDATE annotations SET category_name = named.name
            FROM (
                SELECT p.placeholder, coalesce(d.name, 'unknown') AS name
                FROM (SELECT DISTINCT category_name AS placeholder FROM annotations WHERE dataset_id = $dataset_id) p
                LEFT JOIN (
                    SELECT CAST(category_id AS VARCHAR) AS placeholder, name FROM staged_categories
                    QUALIFY row_number() OVER (PARTITION BY category_id ORDER BY part, position) = 1
                ) d ON d.placeholder = p.placeholder
            ) named
            WHERE annotations.dataset_id = $dataset_id AND annotations.category_name = named.placeholder
            """,
            ("dataset_id", datasetId));

    /// <summary>
    /// Contract §2.10 (D1): an annotation keeps its source id when it is the first use of that id in this
    /// ingest (parts in order, then file order) and no published dataset uses it; otherwise it gets a fresh
    /// UUID v4 (<c>uuid()</c> is evaluated per row). Other ingests' unpublished rows do not count: publishes
    /// take turns under the gate, so the first to publish keeps the id and the later one sees it. Only the
    /// few rows involved are touched.
    /// </summary>
    private static void MakeIdsUnique(DuckDBConnection connection, string datasetId) =>
        connection.Execute(
            """
            UPDATE annotations SET id = CAST(uuid() AS VARCHAR)
            WHERE dataset_id = $dataset_id AND rowid IN (
                SELECT rowid FROM (
                    SELECT a.rowid, row_number() OVER (PARTITION BY a.id ORDER BY i.part, a.seq) AS use
                    FROM annotations a
                    JOIN staged_images i ON i.sample_id = a.sample_id
                    WHERE a.dataset_id = $dataset_id
                      AND a.id IN (SELECT id FROM annotations WHERE dataset_id = $dataset_id GROUP BY id HAVING count(*) > 1)
                )
                WHERE use > 1
                UNION ALL
                SELECT a.rowid FROM annotations a
                WHERE a.dataset_id = $dataset_id
                  AND a.id IN (SELECT e.id FROM annotations e
                               WHERE e.dataset_id <> $dataset_id AND e.dataset_id IN (SELECT id FROM datasets))
            )
            """,
            ("dataset_id", datasetId));

    /// <summary>Deletes an ingest's unpublished rows after it failed or was cancelled (D4).</summary>
    public static void Delete(DuckDBConnection connection, string datasetId) =>
        connection.Execute(
            """
            DELETE FROM annotations WHERE dataset_id = $dataset_id
              AND NOT EXISTS (SELECT 1 FROM datasets WHERE id = $dataset_id)
            """,
            ("dataset_id", datasetId));

    /// <summary>
    /// At start, before any ingest can run: rows of a dataset id that has no <c>datasets</c> row were left
    /// by an ingest the process did not live to finish (kill -9, power loss).
    /// </summary>
    public static void DeleteLeftovers(DuckDBConnection connection) =>
        connection.Execute("DELETE FROM annotations WHERE dataset_id NOT IN (SELECT id FROM datasets)");
}
