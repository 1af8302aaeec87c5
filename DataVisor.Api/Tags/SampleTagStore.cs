using System.Text.Json;
using DataVisor.Api.Samples;
using DataVisor.Api.Storage;

namespace DataVisor.Api.Tags;

/// <summary>
/// Changes the ordered, distinct tag lists of samples (contract §2.5). Every change is one set-based
/// UPDATE on the <c>tags</c> list column inside one transaction, whatever the number of samples.
/// </summary>
public sealed class SampleTagStore(DuckDbDatabase database, RowUpdateGate gate, BrowseCache browse)
{
    /// <summary>The triage tags R42 accepts, in the order its 400 message lists them.</summary>
    public static readonly IReadOnlyList<string> TriageTags = ["triage:fn", "triage:fp", "triage:mistake", "triage:tp"];

    // Samples are matched by the request's ids, sent as one JSON array parameter rather than spliced in.
    private const string ListedSamples = """
        dataset_id = $dataset_id AND id IN (SELECT unnest(from_json($sample_ids, '["VARCHAR"]')))
        """;

    // Adding a present tag is a no-op; a new one goes to the end (§2.5).
    private const string AppendTag = $"""
        UPDATE samples SET tags = list_append(tags, $tag)
        WHERE {ListedSamples} AND NOT list_contains(tags, $tag)
        """;

    private const string RemoveTag = $"""
        UPDATE samples SET tags = list_filter(tags, lambda t: t <> $tag)
        WHERE {ListedSamples} AND list_contains(tags, $tag)
        """;

    // R42/R43 drop the sample's triage verdict but keep the override marker `triage:annotated` (D16).
    private const string KeepAllButTriageVerdict = "list_filter(tags, lambda t: NOT starts_with(t, 'triage:') OR t = 'triage:annotated')";

    /// <summary>R10. False when the dataset does not exist.</summary>
    public Task<bool> TagAsync(string datasetId, IReadOnlyList<string> sampleIds, string tag, CancellationToken cancellationToken) =>
        ChangeListedAsync(AppendTag, datasetId, sampleIds, tag, cancellationToken);

    /// <summary>R11. False when the dataset does not exist.</summary>
    public Task<bool> UntagAsync(string datasetId, IReadOnlyList<string> sampleIds, string tag, CancellationToken cancellationToken) =>
        ChangeListedAsync(RemoveTag, datasetId, sampleIds, tag, cancellationToken);

    /// <summary>R42: replaces the sample's triage verdict. False when the sample is not in the dataset.</summary>
    public Task<bool> SetTriageTagAsync(string datasetId, string sampleId, string tag, CancellationToken cancellationToken) =>
        ChangeOneAsync($"list_append({KeepAllButTriageVerdict}, $tag)", datasetId, sampleId, tag, cancellationToken);

    /// <summary>R43: removes the sample's triage verdict. False when the sample is not in the dataset.</summary>
    public Task<bool> ClearTriageTagAsync(string datasetId, string sampleId, CancellationToken cancellationToken) =>
        ChangeOneAsync(KeepAllButTriageVerdict, datasetId, sampleId, tag: null, cancellationToken);

    private async Task<bool> ChangeListedAsync(string update, string datasetId, IReadOnlyList<string> sampleIds, string tag, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        if (connection.Scalar("SELECT 1 FROM datasets WHERE id = $dataset_id", ("dataset_id", datasetId)) is null)
        {
            transaction.Rollback();
            return false;
        }

        connection.Execute(update, ("dataset_id", datasetId), ("sample_ids", JsonSerializer.Serialize(sampleIds)), ("tag", tag));
        transaction.Commit();
        browse.Invalidate(datasetId, BrowseParts.Tags);
        return true;
    }

    private async Task<bool> ChangeOneAsync(string newTags, string datasetId, string sampleId, string? tag, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        (string, object?)[] parameters = tag is null
            ? [("dataset_id", datasetId), ("sample_id", sampleId)]
            : [("dataset_id", datasetId), ("sample_id", sampleId), ("tag", tag)];
        var changed = connection.Execute(
            $"UPDATE samples SET tags = {newTags} WHERE dataset_id = $dataset_id AND id = $sample_id", parameters);
        transaction.Commit();
        browse.Invalidate(datasetId, BrowseParts.Tags);
        return changed > 0;
    }
}
