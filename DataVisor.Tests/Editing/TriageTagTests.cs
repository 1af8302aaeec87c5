using System.Net;

namespace DataVisor.Tests.Editing;

public sealed class TriageTagTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task SetThenClear_ReplacesOnlyTheVerdict_KeepsTheOverrideMarkerAndUserTags()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        _bed.Execute($"UPDATE samples SET tags = ['user', 'triage:annotated', 'triage:fp', 'dark', 'triage:old'] WHERE dataset_id = '{datasetId}' AND id = '1'");

        var set = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-triage-tag", new { dataset_id = datasetId, sample_id = "1", tag = "triage:tp" });
        Assert.Equal(HttpStatusCode.OK, set.Status);
        Assert.Equal("""{"sample_id":"1","tag":"triage:tp"}""", set.Text);
        Assert.Equal(["user", "triage:annotated", "dark", "triage:tp"], _bed.Tags(datasetId, "1"));

        var again = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-triage-tag", new { dataset_id = datasetId, sample_id = "1", tag = "triage:mistake" });
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(["user", "triage:annotated", "dark", "triage:mistake"], _bed.Tags(datasetId, "1"));

        var cleared = await _bed.SendAsync(HttpMethod.Delete, $"/samples/1/triage-tag?dataset_id={datasetId}");
        Assert.Equal(HttpStatusCode.OK, cleared.Status);
        Assert.Equal("""{"sample_id":"1","cleared":true}""", cleared.Text);
        Assert.Equal(["user", "triage:annotated", "dark"], _bed.Tags(datasetId, "1"));
        Assert.Empty(_bed.Tags(datasetId, "2"));
    }

    [Fact]
    public async Task InvalidTag_Answers400WithThePythonStyleList_BeforeAnyLookup()
    {
        var invalid = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-triage-tag", new { dataset_id = "unknown", sample_id = "1", tag = "triage:annotated" });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(
            "Invalid triage tag 'triage:annotated'. Must be one of: ['triage:fn', 'triage:fp', 'triage:mistake', 'triage:tp']",
            invalid.Detail);

        var caseMatters = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-triage-tag", new { dataset_id = "unknown", sample_id = "1", tag = "triage:TP" });
        Assert.Equal(HttpStatusCode.BadRequest, caseMatters.Status);
    }

    [Fact]
    public async Task UnknownSampleOrDataset_Answers404SampleNotFound()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        foreach (var (dataset, sample) in new[] { (datasetId, "999"), ("unknown", "1") })
        {
            var set = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-triage-tag", new { dataset_id = dataset, sample_id = sample, tag = "triage:fn" });
            Assert.Equal(HttpStatusCode.NotFound, set.Status);
            Assert.Equal("""{"detail":"Sample not found"}""", set.Text);

            var clear = await _bed.SendAsync(HttpMethod.Delete, $"/samples/{sample}/triage-tag?dataset_id={dataset}");
            Assert.Equal(HttpStatusCode.NotFound, clear.Status);
            Assert.Equal("""{"detail":"Sample not found"}""", clear.Text);
        }
    }

    [Fact]
    public async Task MissingFields_Answer422()
    {
        var noDataset = await _bed.SendAsync(HttpMethod.Delete, "/samples/1/triage-tag");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noDataset.Status);
        Assert.Equal(
            """{"detail":[{"type":"missing","loc":["query","dataset_id"],"msg":"Field required","input":null}]}""",
            noDataset.Text);

        var noTag = await _bed.SendAsync(HttpMethod.Patch, "/samples/set-triage-tag", """{"dataset_id": "d", "sample_id": 1}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noTag.Status);
        Assert.Equal(
            [("string_type", """["body","sample_id"]"""), ("missing", """["body","tag"]""")],
            noTag.Json.GetProperty("detail").EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("loc").GetRawText())));
    }
}
