using System.Net;
using System.Text.Json;

namespace DataVisor.Tests.Samples;

/// <summary>R8 (contract §4.3): sorts, filters, pagination and validation over HTTP.</summary>
public sealed class SampleListingTests(BrowseTestData data) : IClassFixture<BrowseTestData>
{
    [Theory]
    [InlineData("", new[] { "1", "10", "11", "2", "3", "4", "5" })]
    [InlineData("sort_by=id&sort_dir=desc", new[] { "5", "4", "3", "2", "11", "10", "1" })]
    [InlineData("sort_by=file_name", new[] { "4", "1", "11", "3", "2", "5", "10" })]
    [InlineData("sort_by=file_name&sort_dir=desc", new[] { "10", "5", "2", "3", "11", "1", "4" })]
    [InlineData("sort_by=width", new[] { "11", "1", "3", "5", "10", "2", "4" })]
    [InlineData("sort_by=width&sort_dir=desc", new[] { "4", "2", "10", "5", "3", "1", "11" })]
    [InlineData("sort_by=height&sort_dir=asc", new[] { "1", "2", "3", "4", "10", "5", "11" })]
    [InlineData("sort_by=height&sort_dir=desc", new[] { "11", "5", "10", "4", "3", "2", "1" })]
    [InlineData("sort_by=split", new[] { "1", "2", "3", "10", "11", "4", "5" })]
    [InlineData("sort_by=split&sort_dir=desc", new[] { "11", "10", "3", "2", "1", "5", "4" })]
    [InlineData("sort_by=bogus&sort_dir=desc", new[] { "1", "10", "11", "2", "3", "4", "5" })]
    public async Task SortsAreOrdinal_TiesByIdInTheSameDirection_NullSplitLast(string query, string[] expected)
    {
        var (ids, total) = await data.ListAsync(query);
        Assert.Equal(expected, ids);
        Assert.Equal(7, total);
    }

    [Theory]
    [InlineData("category=cat", new[] { "1", "2" })]
    [InlineData("category=dog", new[] { "1", "10" })]
    [InlineData("category=person", new[] { "5" })]
    [InlineData("category=nothing", new string[0])]
    [InlineData("split=train", new[] { "1", "2", "3" })]
    [InlineData("split=TRAIN", new string[0])]
    [InlineData("search=A_", new[] { "2", "4" })]
    [InlineData("search=%25", new[] { "3" })]
    [InlineData("search=%20%20PHOTO%20", new[] { "11" })]
    [InlineData("search=%20%20", new[] { "1", "10", "11", "2", "3", "4", "5" })]
    [InlineData("tags=reviewed", new[] { "1", "2" })]
    [InlineData("tags=reviewed,dark", new[] { "1" })]
    [InlineData("tags=%20dark%20,%20,", new[] { "1", "10" })]
    [InlineData("sample_ids=10,%201%20,,nope", new[] { "1", "10" })]
    [InlineData("category=cat&split=train&tags=reviewed", new[] { "1", "2" })]
    [InlineData("category=cat&split=train&tags=reviewed&search=b_&sample_ids=1,2", new[] { "1" })]
    public async Task FiltersCombineWithAnd(string query, string[] expected)
    {
        var (ids, total) = await data.ListAsync(query);
        Assert.Equal(expected, ids);
        Assert.Equal(expected.Length, total);
    }

    [Fact]
    public async Task FilteredListsSortToo()
    {
        var (ids, _) = await data.ListAsync("tags=dark&sort_by=file_name&sort_dir=desc");
        Assert.Equal(["10", "1"], ids);
        (ids, _) = await data.ListAsync("category=dog&sort_by=split&sort_dir=desc");
        Assert.Equal(["10", "1"], ids);
    }

    [Theory]
    [InlineData(0, 2, new[] { "4", "1" })]
    [InlineData(2, 2, new[] { "11", "3" })]
    [InlineData(6, 2, new[] { "10" })]
    [InlineData(7, 2, new string[0])]
    [InlineData(1000, 200, new string[0])]
    public async Task PagesEchoOffsetAndLimit_TotalCountsEverything(int offset, int limit, string[] expected)
    {
        var page = await data.GetAsync($"/samples?dataset_id={data.DatasetId}&sort_by=file_name&offset={offset}&limit={limit}");
        Assert.Equal(expected, page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(7, page.GetProperty("total").GetInt64());
        Assert.Equal(offset, page.GetProperty("offset").GetInt64());
        Assert.Equal(limit, page.GetProperty("limit").GetInt64());

        // The same window of a filtered list (desc), which takes the bucketed path.
        var filtered = await data.GetAsync($"/samples?dataset_id={data.DatasetId}&search=.&sort_by=file_name&sort_dir=desc&offset={offset}&limit={limit}");
        var all = new[] { "10", "5", "2", "3", "11", "1", "4" };
        Assert.Equal(all.Skip(offset).Take(limit), filtered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(7, filtered.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task ItemsHaveTheSampleShape()
    {
        var page = await data.GetAsync($"/samples?dataset_id={data.DatasetId}&sample_ids=1,4");
        var first = page.GetProperty("items")[0];
        Assert.Equal(
            ["id", "dataset_id", "file_name", "width", "height", "thumbnail_path", "split", "tags"],
            first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(data.DatasetId, first.GetProperty("dataset_id").GetString());
        Assert.Equal("B_10.jpg", first.GetProperty("file_name").GetString());
        Assert.Equal(100, first.GetProperty("width").GetInt32());
        Assert.Equal(50, first.GetProperty("height").GetInt32());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("thumbnail_path").ValueKind);
        Assert.Equal("train", first.GetProperty("split").GetString());
        Assert.Equal(["reviewed", "dark"], first.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var second = page.GetProperty("items")[1];
        Assert.Equal(JsonValueKind.Null, second.GetProperty("split").ValueKind);
        Assert.Equal(0, second.GetProperty("tags").GetArrayLength());
    }

    [Fact]
    public async Task UnknownDatasetIsAnEmptyPage()
    {
        var page = await data.GetAsync("/samples?dataset_id=nope&offset=5&limit=7");
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
        Assert.Equal(0, page.GetProperty("total").GetInt64());
        Assert.Equal(5, page.GetProperty("offset").GetInt64());
        Assert.Equal(7, page.GetProperty("limit").GetInt64());
    }

    [Fact]
    public async Task AtMost5000SampleIds()
    {
        var ids = string.Join(",", Enumerable.Range(0, 4999).Select(i => $"x{i}").Append("10"));
        var (found, total) = await data.ListAsync($"sample_ids={ids}");
        Assert.Equal(["10"], found);
        Assert.Equal(1, total);

        var tooMany = await data.GetAsync($"/samples?dataset_id={data.DatasetId}&sample_ids={ids}%2Cx5000", HttpStatusCode.BadRequest);
        Assert.Equal("Maximum 5000 sample_ids per request", tooMany.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("", "missing", "dataset_id", null, "Field required")]
    [InlineData("&offset=-1", "greater_than_equal", "offset", "-1", "Input should be greater than or equal to 0")]
    [InlineData("&offset=1.5", "int_parsing", "offset", "1.5", "Input should be a valid integer, unable to parse string as an integer")]
    [InlineData("&limit=0", "greater_than_equal", "limit", "0", "Input should be greater than or equal to 1")]
    [InlineData("&limit=201", "less_than_equal", "limit", "201", "Input should be less than or equal to 200")]
    [InlineData("&limit=abc", "int_parsing", "limit", "abc", "Input should be a valid integer, unable to parse string as an integer")]
    [InlineData("&sort_dir=DESC", "literal_error", "sort_dir", "DESC", "Input should be 'asc' or 'desc'")]
    public async Task InvalidParametersAre422(string query, string type, string field, string? input, string message)
    {
        var datasetPart = field == "dataset_id" ? "" : $"dataset_id={data.DatasetId}";
        var body = await data.GetAsync($"/samples?{datasetPart}{query}", HttpStatusCode.UnprocessableEntity);
        var issue = Assert.Single(body.GetProperty("detail").EnumerateArray());
        Assert.Equal(type, issue.GetProperty("type").GetString());
        Assert.Equal(["query", field], issue.GetProperty("loc").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(message, issue.GetProperty("msg").GetString());
        Assert.Equal(input, issue.GetProperty("input").ValueKind == JsonValueKind.Null ? null : issue.GetProperty("input").GetString());
    }

    [Fact]
    public async Task EveryProblemIsReported()
    {
        var body = await data.GetAsync("/samples?offset=x&limit=500&sort_dir=up", HttpStatusCode.UnprocessableEntity);
        Assert.Equal(
            ["dataset_id", "sort_dir", "offset", "limit"],
            body.GetProperty("detail").EnumerateArray().Select(i => i.GetProperty("loc")[1].GetString()));
    }
}
