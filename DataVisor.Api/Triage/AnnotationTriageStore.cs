using DataVisor.Api.Samples;
using DataVisor.Api.Storage;

namespace DataVisor.Api.Triage;

/// <summary>
/// The overrides of §2.8 and the <c>triage:annotated</c> marker that mirrors them (D16): the marker is
/// present exactly while the sample has at least one override.
/// </summary>
public sealed class AnnotationTriageStore(DuckDbDatabase database, RowUpdateGate gate, BrowseCache browse)
{
    /// <summary>R46's labels, in the order its 400 message lists them.</summary>
    public static readonly IReadOnlyList<string> Labels = ["fn", "fp", "mistake", "tp"];

    // Same prefix rule as R41's and R7's clean-up of the marker.
    private const string DropMarker = """
        UPDATE samples SET tags = list_filter(tags, lambda t: NOT starts_with(t, 'triage:ann'))
        WHERE dataset_id = $dataset_id AND id = $sample_id
          AND NOT EXISTS (SELECT 1 FROM annotation_triage o WHERE o.dataset_id = $dataset_id AND o.sample_id = $sample_id)
        """;

    /// <summary>R46: false unless the annotation belongs to that sample of that dataset.</summary>
    public async Task<bool> SetAsync(string datasetId, string sampleId, string annotationId, string label, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        if (connection.Scalar(
                "SELECT 1 FROM annotations WHERE id = $id AND dataset_id = $dataset_id AND sample_id = $sample_id",
                ("id", annotationId), ("dataset_id", datasetId), ("sample_id", sampleId)) is null)
        {
            transaction.Rollback();
            return false;
        }

        connection.Execute("DELETE FROM annotation_triage WHERE dataset_id = $dataset_id AND annotation_id = $id", ("dataset_id", datasetId), ("id", annotationId));
        connection.Execute(
            "INSERT INTO annotation_triage (dataset_id, annotation_id, sample_id, label, created_at) VALUES ($dataset_id, $id, $sample_id, $label, $created_at)",
            ("dataset_id", datasetId), ("id", annotationId), ("sample_id", sampleId), ("label", label), ("created_at", DateTime.UtcNow));
        connection.Execute(
            """
            UPDATE samples SET tags = list_append(list_filter(tags, lambda t: NOT starts_with(t, 'triage:ann')), 'triage:annotated')
            WHERE dataset_id = $dataset_id AND id = $sample_id
            """,
            ("dataset_id", datasetId), ("sample_id", sampleId));
        transaction.Commit();
        browse.Invalidate(datasetId, BrowseParts.Tags);
        return true;
    }

    /// <summary>R47: deletes the override if present; the marker goes when the sample has none left.</summary>
    public async Task ClearAsync(string datasetId, string sampleId, string annotationId, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        connection.Execute(
            "DELETE FROM annotation_triage WHERE dataset_id = $dataset_id AND annotation_id = $id AND sample_id = $sample_id",
            ("dataset_id", datasetId), ("id", annotationId), ("sample_id", sampleId));
        connection.Execute(DropMarker, ("dataset_id", datasetId), ("sample_id", sampleId));
        transaction.Commit();
        browse.Invalidate(datasetId, BrowseParts.Tags);
    }
}

public static class AnnotationTriageServices
{
    public static IServiceCollection AddAnnotationTriage(this IServiceCollection services) => services.AddSingleton<AnnotationTriageStore>();
}
