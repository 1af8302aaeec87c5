using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Annotations;

/// <summary>
/// Edits ground-truth annotations (contract §4.8). Each edit is one transaction that also brings the
/// dataset's counters up to date (§2.1, D7). Annotation ids are unique across the published datasets; the
/// statements still match the dataset too, because an ingest's unpublished rows (see
/// <c>UnpublishedAnnotations</c>) may reuse an id until they are published. Predictions are never matched.
/// </summary>
public sealed class GroundTruthEditor(DuckDbDatabase database, RowUpdateGate gate, BrowseCache browse)
{
    /// <summary>R38.</summary>
    public Task<EditRejection?> RenameCategoryAsync(string annotationId, string categoryName, CancellationToken cancellationToken) =>
        EditAsync(annotationId, cancellationToken, (connection, target) =>
        {
            if (string.IsNullOrWhiteSpace(categoryName))
            {
                return EditRejection.EmptyCategory;
            }

            var previous = CategoryOf(connection, target.DatasetId, annotationId);
            connection.Execute(
                "UPDATE annotations SET category_name = $name WHERE id = $id AND dataset_id = $dataset_id",
                ("name", categoryName), ("id", annotationId), ("dataset_id", target.DatasetId));
            UpdateCounters(connection, target.DatasetId);
            BrowseIndex.AdjustAnnotationCount(connection, target.DatasetId, target.SampleId, previous, GroundTruth, -1);
            BrowseIndex.AdjustAnnotationCount(connection, target.DatasetId, target.SampleId, categoryName, GroundTruth, +1);
            BrowseIndex.RefreshSampleCategories(connection, target.DatasetId, target.SampleId);
            return null;
        });

    /// <summary>R39: the box and its area; category and counters do not move, but are recounted anyway (D7).</summary>
    public Task<EditRejection?> MoveBoxAsync(string annotationId, Box box, CancellationToken cancellationToken) =>
        EditAsync(annotationId, cancellationToken, (connection, target) =>
        {
            if (box.HasNegativeSize)
            {
                return EditRejection.NegativeSize;
            }

            connection.Execute(
                "UPDATE annotations SET bbox_x = $x, bbox_y = $y, bbox_w = $w, bbox_h = $h, area = $area WHERE id = $id AND dataset_id = $dataset_id",
                ("x", box.X), ("y", box.Y), ("w", box.Width), ("h", box.Height), ("area", box.Area), ("id", annotationId), ("dataset_id", target.DatasetId));
            UpdateCounters(connection, target.DatasetId);
            return null;
        });

    /// <summary>R41: the annotation, its triage override, and the sample's override marker when none is left.</summary>
    public Task<EditRejection?> DeleteAsync(string annotationId, CancellationToken cancellationToken) =>
        EditAsync(annotationId, cancellationToken, (connection, target) =>
        {
            var previous = CategoryOf(connection, target.DatasetId, annotationId);
            connection.Execute("DELETE FROM annotations WHERE id = $id AND dataset_id = $dataset_id", ("id", annotationId), ("dataset_id", target.DatasetId));
            connection.Execute("DELETE FROM annotation_triage WHERE dataset_id = $dataset_id AND annotation_id = $id", ("dataset_id", target.DatasetId), ("id", annotationId));
            // §2.5/D16: `triage:annotated` is present exactly while the sample has an override; the
            // prefix matches R47's rule for the same marker.
            connection.Execute(
                """
                UPDATE samples SET tags = list_filter(tags, lambda t: NOT starts_with(t, 'triage:ann'))
                WHERE dataset_id = $dataset_id AND id = $sample_id
                  AND NOT EXISTS (SELECT 1 FROM annotation_triage o WHERE o.dataset_id = $dataset_id AND o.sample_id = $sample_id)
                """,
                ("dataset_id", target.DatasetId), ("sample_id", target.SampleId));
            UpdateCounters(connection, target.DatasetId);
            BrowseIndex.AdjustAnnotationCount(connection, target.DatasetId, target.SampleId, previous, GroundTruth, -1);
            BrowseIndex.RefreshSampleCategories(connection, target.DatasetId, target.SampleId);
            return null;
        });

    /// <summary>R40: checks dataset, then sample (D1), then the values; the new row gets a UUID v4 and the next sequence number.</summary>
    public async Task<(string? Id, EditRejection? Rejection)> CreateAsync(CreateAnnotationRequest request, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var rejection =
            connection.Scalar("SELECT 1 FROM datasets WHERE id = $dataset_id", ("dataset_id", request.DatasetId)) is null ? EditRejection.DatasetNotFound
            : connection.Scalar("SELECT 1 FROM samples WHERE dataset_id = $dataset_id AND id = $sample_id",
                ("dataset_id", request.DatasetId), ("sample_id", request.SampleId)) is null ? EditRejection.SampleNotFound
            : string.IsNullOrWhiteSpace(request.CategoryName) ? EditRejection.EmptyCategory
            : request.Box.HasNegativeSize ? EditRejection.NegativeSize
            : null;
        if (rejection is not null)
        {
            transaction.Rollback();
            return (null, rejection);
        }

        var id = Guid.NewGuid().ToString();
        var box = request.Box;
        connection.Execute(
            """
            INSERT INTO annotations (id, dataset_id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, source, confidence, seq)
            SELECT $id, $dataset_id, $sample_id, $category_name, $x, $y, $w, $h, $area, false, 'ground_truth', NULL,
                   coalesce((SELECT max(seq) FROM annotations WHERE dataset_id = $dataset_id), -1) + 1
            """,
            ("id", id), ("dataset_id", request.DatasetId), ("sample_id", request.SampleId), ("category_name", request.CategoryName),
            ("x", box.X), ("y", box.Y), ("w", box.Width), ("h", box.Height), ("area", box.Area));
        UpdateCounters(connection, request.DatasetId);
        BrowseIndex.AdjustAnnotationCount(connection, request.DatasetId, request.SampleId, request.CategoryName, GroundTruth, +1);
        BrowseIndex.RefreshSampleCategories(connection, request.DatasetId, request.SampleId);
        transaction.Commit();
        browse.Invalidate(request.DatasetId, BrowseParts.Categories);
        return (id, null);
    }

    private sealed record EditTarget(string DatasetId, string SampleId);

    /// <summary>One edit of an existing ground-truth row: found (or 404), changed, committed; refused edits change nothing.</summary>
    private async Task<EditRejection?> EditAsync(
        string annotationId, CancellationToken cancellationToken, Func<DuckDBConnection, EditTarget, EditRejection?> change)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var target = FindGroundTruth(connection, annotationId);
        var rejection = target is null ? EditRejection.NotEditable : change(connection, target);
        if (rejection is not null)
        {
            transaction.Rollback();
            return rejection;
        }

        transaction.Commit();
        browse.Invalidate(target!.DatasetId, BrowseParts.All);
        return null;
    }

    private static EditTarget? FindGroundTruth(DuckDBConnection connection, string annotationId)
    {
        using var command = connection.Prepare(
            // Through the datasets row: an ingest's annotations exist before their dataset is published.
            "SELECT dataset_id, sample_id FROM annotations WHERE id = $id AND source = 'ground_truth' AND dataset_id IN (SELECT id FROM datasets)",
            ("id", annotationId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new EditTarget(reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>Contract §2.1: counters recomputed from the rows, so they hold whatever the edit was.</summary>
    private static void UpdateCounters(DuckDBConnection connection, string datasetId) =>
        connection.Execute(
            """
            UPDATE datasets SET
                annotation_count = (SELECT count(*) FROM annotations WHERE dataset_id = $dataset_id AND source = 'ground_truth'),
                prediction_count = (SELECT count(*) FROM annotations WHERE dataset_id = $dataset_id AND source <> 'ground_truth'),
                category_count = (SELECT count(*) FROM (
                    SELECT name FROM categories WHERE dataset_id = $dataset_id
                    UNION
                    SELECT category_name FROM annotations WHERE dataset_id = $dataset_id AND source = 'ground_truth'))
            WHERE id = $dataset_id
            """,
            ("dataset_id", datasetId));

    private const string GroundTruth = "ground_truth";

    private static string CategoryOf(DuckDBConnection connection, string datasetId, string annotationId) =>
        (string)connection.Scalar(
            "SELECT category_name FROM annotations WHERE id = $id AND dataset_id = $dataset_id", ("id", annotationId), ("dataset_id", datasetId))!;
}
