using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Ingestion;

/// <summary>The dataset row as committed.</summary>
public sealed record PublishedDataset(string Id, long ImageCount, long AnnotationCount, long CategoryCount, DateTime CreatedAt);

/// <summary>
/// Moves an ingest's staged rows into the real tables, completes its <see cref="UnpublishedAnnotations"/>
/// and inserts the dataset row with its counters, in ONE transaction on the ingest's connection (contract
/// §5.1.1, D4): either everything becomes visible at the commit or, on any failure or cancellation, nothing
/// does (the caller then deletes the unpublished annotations).
/// </summary>
/// <remarks>
/// Annotation ids must be unique across the whole database (§2.10, D1) also when ingests run concurrently.
/// DuckDB gives each transaction a snapshot and detects no conflict between plain appends, so two
/// overlapping transactions could both find "17" free. Publishing therefore takes the process-wide
/// <see cref="RowUpdateGate"/>, which every writer of shared rows takes too, and
/// its transaction starts only after the gate is taken: its snapshot then includes every earlier ingest's commit. The gate is held for a few set-based statements, not for the pass over the file.
/// </remarks>
public sealed class IngestPublisher(RowUpdateGate gate)
{
    public async Task<PublishedDataset> PublishAsync(DuckDBConnection connection, IngestPlan plan, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var transaction = connection.BeginTransaction();
        try
        {
            var images = Execute(connection, InsertSamples, plan.DatasetId);
            // COCO annotations are in `annotations` already (appended once, unpublished); classification
            // labels are few (one per image) and staged.
            var annotations = plan.Format == IngestRequest.JsonlFormat
                ? Execute(connection, InsertAnnotations, plan.DatasetId)
                : UnpublishedAnnotations.Complete(connection, plan.DatasetId);
            Execute(connection, InsertCategories, plan.DatasetId);
            var categories = CountCategories(connection, plan.DatasetId);

            // Derived browsing rows (sort ranks, category membership, counts) commit with the data.
            BrowseIndex.ComputeSampleKeys(connection, plan.DatasetId);
            BrowseIndex.RefreshAnnotations(connection, plan.DatasetId);

            // The last moment a disconnect or shutdown can still undo the ingest.
            cancellationToken.ThrowIfCancellationRequested();
            var createdAt = DateTime.UtcNow;
            InsertDataset(connection, plan, createdAt, images, annotations, categories);
            transaction.Commit();
            return new PublishedDataset(plan.DatasetId, images, annotations, categories, createdAt);
        }
        catch
        {
            transaction.Rollback();
            throw;
        }
    }

    // Stored in ordinal id order, the default listing order (R8), so that row-group min/max pruning
    // serves an id-sorted page from one row group; `position` keeps the ingest order.
    private const string InsertSamples = """
        INSERT INTO samples (dataset_id, id, file_name, image_dir, width, height, split, tags, source_image_id, position)
        WITH part_offsets AS (
            -- Positions restart in every part (split); later parts continue after the earlier ones.
            SELECT part, coalesce(sum(max_position + 1) OVER (ORDER BY part ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS offset_by
            FROM (SELECT part, max(position) AS max_position FROM staged_images GROUP BY part)
        )
        SELECT $dataset_id, i.sample_id, i.file_name, i.image_dir,
               coalesce(m.width, i.width), coalesce(m.height, i.height), i.split,
               coalesce(m.tags, CAST([] AS VARCHAR[])), i.source_image_id, i.position + o.offset_by
        FROM staged_images i
        JOIN part_offsets o ON o.part = i.part
        LEFT JOIN staged_sample_metadata m ON m.part = i.part AND m.sample_id = i.sample_id
        WHERE NOT i.skipped
        ORDER BY i.sample_id
        """;

    // Detection annotations name their category through the file's declared ids; classification labels
    // are staged by name. An annotation keeps its source id when it is the first use of that id in this ingest and no committed
    // annotation anywhere uses it; otherwise it gets a fresh UUID v4 (uuid() is evaluated per row).
    // "First use" is decided only for the few ids staged more than once (`repeated`): a window numbering
    // every one of a million ids cost ~20 % more than this hash aggregate.
    private const string InsertAnnotations = """
        INSERT INTO annotations (id, dataset_id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, source, confidence, seq)
        WITH declared AS (
            SELECT category_id, name FROM staged_categories
            QUALIFY row_number() OVER (PARTITION BY category_id ORDER BY part, position) = 1
        ),
        kept AS (
            SELECT a.*, i.sample_id
            FROM staged_annotations a
            JOIN staged_images i ON i.part = a.part AND i.source_image_id = a.image_id AND NOT i.skipped
        ),
        repeated AS (
            SELECT a.candidate_id, min((a.part, a.seq)) AS first_use
            FROM staged_annotations a
            WHERE a.candidate_id IN (SELECT candidate_id FROM staged_annotations
                                     WHERE candidate_id IS NOT NULL GROUP BY candidate_id HAVING count(*) > 1)
              AND EXISTS (SELECT 1 FROM staged_images i WHERE i.part = a.part AND i.source_image_id = a.image_id AND NOT i.skipped)
            GROUP BY a.candidate_id
        )
        SELECT CASE
                   WHEN k.candidate_id IS NOT NULL AND (r.candidate_id IS NULL OR r.first_use = (k.part, k.seq))
                        AND NOT EXISTS (SELECT 1 FROM annotations e WHERE e.id = k.candidate_id)
                   THEN k.candidate_id
                   ELSE CAST(uuid() AS VARCHAR)
               END,
               $dataset_id, k.sample_id, coalesce(k.category_name, d.name, 'unknown'),
               k.bbox_x, k.bbox_y, k.bbox_w, k.bbox_h, k.area, k.is_crowd, 'ground_truth', NULL, k.seq
        FROM kept k
        LEFT JOIN declared d ON d.category_id = k.category_id
        LEFT JOIN repeated r ON r.candidate_id = k.candidate_id
        ORDER BY k.part, k.seq
        """;

    private const string InsertCategories = """
        INSERT INTO categories (dataset_id, category_id, name)
        SELECT $dataset_id, category_id, name FROM staged_categories
        QUALIFY row_number() OVER (PARTITION BY category_id ORDER BY part, position) = 1
        ORDER BY category_id
        """;

    private static long Execute(DuckDBConnection connection, string sql, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        return command.ExecuteNonQuery();
    }

    /// <summary>Contract §2.1: distinct names over declared categories and ground-truth labels.</summary>
    private static long CountCategories(DuckDBConnection connection, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*) FROM (
                SELECT name FROM categories WHERE dataset_id = $dataset_id
                UNION
                SELECT category_name FROM annotations WHERE dataset_id = $dataset_id AND source = 'ground_truth'
            )
            """;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void InsertDataset(DuckDBConnection connection, IngestPlan plan, DateTime createdAt, long images, long annotations, long categories)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO datasets (id, name, format, dataset_type, source_path, image_dir, created_at,
                                  image_count, annotation_count, prediction_count, category_count)
            VALUES ($id, $name, $format, $dataset_type, $source_path, $image_dir, $created_at,
                    $image_count, $annotation_count, 0, $category_count)
            """;
        command.Parameters.Add(new DuckDBParameter("id", plan.DatasetId));
        command.Parameters.Add(new DuckDBParameter("name", plan.DatasetName));
        command.Parameters.Add(new DuckDBParameter("format", plan.Format));
        command.Parameters.Add(new DuckDBParameter("dataset_type", plan.Format == IngestRequest.JsonlFormat ? "classification" : "detection"));
        command.Parameters.Add(new DuckDBParameter("source_path", plan.AnnotationPath));
        command.Parameters.Add(new DuckDBParameter("image_dir", plan.ImageDir));
        command.Parameters.Add(new DuckDBParameter("created_at", createdAt));
        command.Parameters.Add(new DuckDBParameter("image_count", images));
        command.Parameters.Add(new DuckDBParameter("annotation_count", annotations));
        command.Parameters.Add(new DuckDBParameter("category_count", categories));
        command.ExecuteNonQuery();
    }
}
