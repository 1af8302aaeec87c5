using System.Text.Json;
using DataVisor.Api.Samples;
using DataVisor.Api.Storage;

namespace DataVisor.Api.AutoTagging;

/// <summary>A sample to tag: its id and the full path of its image.</summary>
internal sealed record SampleImageFile(string SampleId, string Path);

/// <summary>Words the tagger produced for one sample.</summary>
internal sealed record SampleWords(string SampleId, IReadOnlyList<string> Words);

/// <summary>
/// Reads the samples to tag and merges tags into them (§2.5: no prefix, no duplicates, new ones appended in
/// order). Each batch is one set-based UPDATE in one transaction under <see cref="RowUpdateGate"/>, so a
/// user's tag edit waits at most one batch. Each batch invalidates the browse snapshot's tags
/// (Samples/BrowseCache), so merged tags show in tag filters and facets at once.
/// </summary>
internal sealed class AutoTagStore(DuckDbDatabase database, RowUpdateGate gate, BrowseCache browse)
{
    // Only words the sample lacks are appended, in the order given; list_has_all skips rows with nothing new.
    private const string MergeTags = """
        UPDATE samples SET tags = list_concat(samples.tags, list_filter(n.words, lambda w: NOT list_contains(samples.tags, w)))
        FROM (
            SELECT u.id AS id, u.words AS words
            FROM (SELECT unnest(from_json($batch, '[{"id": "VARCHAR", "words": ["VARCHAR"]}]')) AS u)
        ) n
        WHERE samples.dataset_id = $dataset_id AND samples.id = n.id AND NOT list_has_all(samples.tags, n.words)
        """;

    /// <summary>The dataset's samples in ordinal order of id (§6.13).</summary>
    public List<SampleImageFile> LoadSamples(string datasetId)
    {
        using var connection = database.OpenConnection();
        // DuckDB compares VARCHARs by their UTF-8 bytes: the contract's ordinal order.
        using var command = connection.Prepare(
            "SELECT id, image_dir, file_name FROM samples WHERE dataset_id = $dataset_id ORDER BY id", ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        var samples = new List<SampleImageFile>();
        while (reader.Read())
        {
            samples.Add(new SampleImageFile(reader.GetString(0), System.IO.Path.Combine(reader.GetString(1), reader.GetString(2))));
        }

        return samples;
    }

    /// <summary>Merges one batch in one transaction: all of it or (when cancelled while waiting) none.</summary>
    public async Task MergeAsync(string datasetId, IReadOnlyList<SampleWords> batch, CancellationToken cancellationToken)
    {
        var rows = batch.Where(sample => sample.Words.Count > 0).Select(sample => new { id = sample.SampleId, words = sample.Words }).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        connection.Execute(MergeTags, ("dataset_id", datasetId), ("batch", JsonSerializer.Serialize(rows)));
        transaction.Commit();
        browse.Invalidate(datasetId, BrowseParts.Tags);
    }
}
