using System.Net;

namespace DataVisor.Tests.Editing;

public sealed class BulkTagTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task TagThenUntag_TagsStayOrderedDistinctAndCaseSensitive_CountsAreRequestIds()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var tagged = await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { "1", "2", "999" }, tag = "blurry" });
        Assert.Equal(HttpStatusCode.OK, tagged.Status);
        Assert.Equal("""{"tagged":3}""", tagged.Text);

        Assert.Equal(1, (await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { "1" }, tag = "night" })).Json.GetProperty("tagged").GetInt32());
        // A present tag is a no-op; a different case is a different tag; duplicates in the request count as sent.
        Assert.Equal(2, (await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { "1", "1" }, tag = "blurry" })).Json.GetProperty("tagged").GetInt32());
        await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { "1" }, tag = "Blurry" });

        Assert.Equal(["blurry", "night", "Blurry"], _bed.Tags(datasetId, "1"));
        Assert.Equal(["blurry"], _bed.Tags(datasetId, "2"));
        Assert.Empty(_bed.Tags(datasetId, "3"));

        var untagged = await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-untag", new { dataset_id = datasetId, sample_ids = new[] { "1", "2", "3", "nope" }, tag = "blurry" });
        Assert.Equal(HttpStatusCode.OK, untagged.Status);
        Assert.Equal("""{"untagged":4}""", untagged.Text);

        Assert.Equal(["night", "Blurry"], _bed.Tags(datasetId, "1"));
        Assert.Empty(_bed.Tags(datasetId, "2"));
        Assert.Empty(_bed.Tags(datasetId, "3"));
    }

    [Fact]
    public async Task Tagging_TouchesOnlyTheNamedDataset()
    {
        var first = await _bed.IngestSmallCocoAsync("first");
        var second = await _bed.IngestSmallCocoAsync("second");

        await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = first, sample_ids = new[] { "1" }, tag = "mine" });

        Assert.Equal(["mine"], _bed.Tags(first, "1"));
        Assert.Empty(_bed.Tags(second, "1"));
    }

    [Fact]
    public async Task FiveHundredIds_AreAcceptedAndAppliedInOneRequest()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var ids = Enumerable.Range(1, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        var tagged = await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = ids, tag = "x" });

        Assert.Equal(HttpStatusCode.OK, tagged.Status);
        Assert.Equal(500, tagged.Json.GetProperty("tagged").GetInt32());
        Assert.Equal(3, EditingTestBed.Long(_bed.Bed.Query($"SELECT count(*) FROM samples WHERE dataset_id = '{datasetId}' AND tags = ['x']").Single()[0]));
    }

    [Theory]
    [InlineData("bulk-tag", "tag")]
    [InlineData("bulk-untag", "untag")]
    public async Task Errors_AreCheckedInContractOrder(string route, string verb)
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = $"/samples/{route}";
        var tooMany = Enumerable.Range(0, 501).Select(i => $"s{i}").ToArray();

        // Every later problem is present too, so each answer proves the order.
        var empty = await _bed.SendAsync(HttpMethod.Patch, path, new { dataset_id = "unknown", sample_ids = Array.Empty<string>(), tag = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.Equal("sample_ids must not be empty", empty.Detail);

        var many = await _bed.SendAsync(HttpMethod.Patch, path, new { dataset_id = "unknown", sample_ids = tooMany, tag = "" });
        Assert.Equal(HttpStatusCode.BadRequest, many.Status);
        Assert.Equal($"Maximum 500 sample_ids per bulk {verb} request", many.Detail);

        var blank = await _bed.SendAsync(HttpMethod.Patch, path, new { dataset_id = "unknown", sample_ids = new[] { "1" }, tag = "" });
        Assert.Equal(HttpStatusCode.BadRequest, blank.Status);
        Assert.Equal("Tag must not be empty", blank.Detail);

        var unknown = await _bed.SendAsync(HttpMethod.Patch, path, new { dataset_id = "unknown", sample_ids = new[] { "1" }, tag = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("""{"detail":"Dataset not found"}""", unknown.Text);

        Assert.Empty(_bed.Tags(datasetId, "1"));
    }

    [Fact]
    public async Task MalformedBodies_Answer422InTheContractShape()
    {
        var missing = await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", """{"dataset_id": "d", "tag": "x"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.Status);
        var issue = Assert.Single(missing.Json.GetProperty("detail").EnumerateArray());
        Assert.Equal("missing", issue.GetProperty("type").GetString());
        Assert.Equal("""["body","sample_ids"]""", issue.GetProperty("loc").GetRawText());
        Assert.Equal("Field required", issue.GetProperty("msg").GetString());
        Assert.Equal("d", issue.GetProperty("input").GetProperty("dataset_id").GetString());

        var notList = await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", """{"dataset_id": "d", "sample_ids": "1,2", "tag": 5}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notList.Status);
        Assert.Equal(
            [("list_type", """["body","sample_ids"]"""), ("string_type", """["body","tag"]""")],
            notList.Json.GetProperty("detail").EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("loc").GetRawText())));

        var badItem = await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-untag", """{"dataset_id": "d", "sample_ids": ["1", 2], "tag": "x"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badItem.Status);
        var itemIssue = Assert.Single(badItem.Json.GetProperty("detail").EnumerateArray());
        Assert.Equal("string_type", itemIssue.GetProperty("type").GetString());
        Assert.Equal("""["body","sample_ids",1]""", itemIssue.GetProperty("loc").GetRawText());
        Assert.Equal(2, itemIssue.GetProperty("input").GetInt32());

        var notJson = await _bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag", "{");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notJson.Status);
        Assert.Equal("json_invalid", notJson.Json.GetProperty("detail")[0].GetProperty("type").GetString());
    }
}
