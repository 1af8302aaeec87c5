using System.Globalization;
using System.Net;

namespace DataVisor.Tests.Editing;

/// <summary>Edits that race on the same rows queue up instead of failing with DuckDB write conflicts.</summary>
public sealed class ConcurrentEditTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task ConcurrentTagsAndCreates_OnTheSameSamples_AllSucceedAndAllLand()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var tags = Enumerable.Range(0, 12).Select(i => $"t{i:D2}").ToArray();

        var tagging = tags.Select(tag => _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag",
            new { dataset_id = datasetId, sample_ids = new[] { "1", "2" }, tag }));
        var creating = Enumerable.Range(0, 12).Select(_ => _bed.SendAsync(HttpMethod.Post, "/annotations",
            new { dataset_id = datasetId, sample_id = "1", category_name = "cat", bbox_x = 0, bbox_y = 0, bbox_w = 1, bbox_h = 1 }));
        var answers = await Task.WhenAll(tagging.Concat(creating));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.Equal((15L, 0L, 3L, 3L), await _bed.CountersAsync(datasetId));
        Assert.Equal(tags, _bed.Tags(datasetId, "1").Order(StringComparer.Ordinal));
        Assert.Equal(tags, _bed.Tags(datasetId, "2").Order(StringComparer.Ordinal));
        var sequences = _bed.Bed.Query($"SELECT seq FROM annotations WHERE dataset_id = '{datasetId}'")
            .Select(row => Convert.ToInt64(row[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [Fact]
    public async Task ADatasetDeletedWhileItsSamplesAreTagged_AnswersNoServerError()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var tagging = Enumerable.Range(0, 10).Select(i => _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag",
            new { dataset_id = datasetId, sample_ids = new[] { "1", "2", "3" }, tag = $"t{i}" }));
        var deleting = _bed.SendAsync(HttpMethod.Delete, $"/datasets/{datasetId}");
        var answers = await Task.WhenAll(tagging.Append(deleting));

        // Each tag request ran wholly before the delete (200) or after it (404 Dataset not found).
        Assert.All(answers[..^1], answer => Assert.True(
            answer.Status == HttpStatusCode.OK || (answer.Status == HttpStatusCode.NotFound && answer.Detail == "Dataset not found"),
            $"{answer.Status} {answer.Text}"));
        Assert.Equal(HttpStatusCode.NoContent, answers[^1].Status);
        Assert.Empty(_bed.Bed.Query($"SELECT id FROM samples WHERE dataset_id = '{datasetId}'"));
    }
}
