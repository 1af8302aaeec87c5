using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Predictions;

/// <summary>
/// Writes prediction runs (contract §4.2 R6/R7). A run is replaced or deleted in one transaction under the
/// <see cref="RowUpdateGate"/>, together with its triage overrides, the <c>triage:annotated</c> markers
/// they held up (§2.5, D16), the dataset's <c>prediction_count</c> (D7) and the browse index
/// (<see cref="BrowseIndex.RefreshAnnotations"/>), so listings and statistics follow at once.
/// </summary>
public sealed class PredictionRunStore(DuckDbDatabase database, RowUpdateGate gate, BrowseCache browse)
{
    /// <summary>The sample column a prediction's key is compared with (§5.6): allow-listed, never client text.</summary>
    public static string MatchColumn(PredictionFormat format) =>
        format == PredictionFormat.Coco ? "source_image_id" : "file_name";

    /// <summary>
    /// Swaps the run's rows for the matched staged predictions (staged on <paramref name="connection"/>).
    /// Returns the number of rows stored and, for detection_annotation, the number of files matched; null
    /// when the dataset was deleted while the file was being read.
    /// </summary>
    public async Task<(long Stored, long MatchedFiles)?> ReplaceAsync(
        DuckDBConnection connection, string datasetId, string runName, string? split, PredictionFormat format, CancellationToken cancellationToken)
    {
        var column = MatchColumn(format);
        // A key matches when exactly one in-scope sample carries it (D3): zero or several → skipped.
        var uniqueKeys = $"""
            SELECT {column} AS match_key, any_value(id) AS sample_id, any_value(width) AS width, any_value(height) AS height
            FROM samples
            WHERE dataset_id = $dataset_id AND ($split IS NULL OR split = $split)
            GROUP BY {column}
            HAVING count(*) = 1
            """;
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var transaction = connection.BeginTransaction();
        // Checked again under the gate: a dataset delete may have run while the file was being staged.
        if (connection.Scalar("SELECT 1 FROM datasets WHERE id = $id", ("id", datasetId)) is null)
        {
            transaction.Rollback();
            return null;
        }

        RemoveRun(connection, datasetId, runName);
        var stored = connection.Execute(
            $"""
            INSERT INTO annotations (id, dataset_id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, source, confidence, seq)
            SELECT gen_random_uuid()::VARCHAR, $dataset_id, sample_id, category_name, x, y, w, h, w * h, false, $run_name, confidence, seq
            FROM (
                SELECT k.sample_id,
                       coalesce(p.category_name, c.name) AS category_name,
                       CASE WHEN p.normalized THEN p.bbox_x * k.width ELSE p.bbox_x END AS x,
                       CASE WHEN p.normalized THEN p.bbox_y * k.height ELSE p.bbox_y END AS y,
                       CASE WHEN p.normalized THEN p.bbox_w * k.width ELSE p.bbox_w END AS w,
                       CASE WHEN p.normalized THEN p.bbox_h * k.height ELSE p.bbox_h END AS h,
                       p.confidence, p.seq
                FROM staged_predictions p
                JOIN ({uniqueKeys}) k ON k.match_key = p.match_key
                LEFT JOIN (SELECT category_id, min(name) AS name FROM categories WHERE dataset_id = $dataset_id GROUP BY category_id) c
                       ON c.category_id = p.category_id
            )
            WHERE category_name IS NOT NULL
            """,
            ("dataset_id", datasetId), ("run_name", runName), ("split", split));
        var matchedFiles = Convert.ToInt64(connection.Scalar(
            $"SELECT count(*) FROM staged_prediction_files f JOIN ({uniqueKeys}) k ON k.match_key = f.match_key",
            ("dataset_id", datasetId), ("split", split)));
        BrowseIndex.RefreshAnnotations(connection, datasetId);
        UpdatePredictionCount(connection, datasetId);
        transaction.Commit();
        browse.Invalidate(datasetId, BrowseParts.All);
        return (stored, matchedFiles);
    }

    /// <summary>R7: false when the run has no rows (nothing changes then).</summary>
    public async Task<bool> DeleteAsync(string datasetId, string runName, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        if (connection.Scalar(
                "SELECT 1 FROM annotations WHERE dataset_id = $dataset_id AND source = $run_name LIMIT 1",
                ("dataset_id", datasetId), ("run_name", runName)) is null)
        {
            transaction.Rollback();
            return false;
        }

        RemoveRun(connection, datasetId, runName);
        BrowseIndex.RefreshAnnotations(connection, datasetId);
        UpdatePredictionCount(connection, datasetId);
        transaction.Commit();
        browse.Invalidate(datasetId, BrowseParts.All);
        return true;
    }

    private static void RemoveRun(DuckDBConnection connection, string datasetId, string runName)
    {
        connection.Execute(
            """
            DELETE FROM annotation_triage
            WHERE dataset_id = $dataset_id
              AND annotation_id IN (SELECT id FROM annotations WHERE dataset_id = $dataset_id AND source = $run_name)
            """,
            ("dataset_id", datasetId), ("run_name", runName));
        // §2.5/D16: the marker stays exactly on samples that still have an override.
        connection.Execute(
            """
            UPDATE samples SET tags = list_filter(tags, lambda t: t <> 'triage:annotated')
            WHERE dataset_id = $dataset_id
              AND list_contains(tags, 'triage:annotated')
              AND NOT EXISTS (SELECT 1 FROM annotation_triage o WHERE o.dataset_id = $dataset_id AND o.sample_id = samples.id)
            """,
            ("dataset_id", datasetId));
        connection.Execute(
            "DELETE FROM annotations WHERE dataset_id = $dataset_id AND source = $run_name",
            ("dataset_id", datasetId), ("run_name", runName));
    }

    private static void UpdatePredictionCount(DuckDBConnection connection, string datasetId) =>
        connection.Execute(
            """
            UPDATE datasets SET prediction_count =
                (SELECT count(*) FROM annotations WHERE dataset_id = $dataset_id AND source <> 'ground_truth')
            WHERE id = $dataset_id
            """,
            ("dataset_id", datasetId));
}
