using System.Net;
using System.Text.RegularExpressions;

namespace DataVisor.Tests.Editing;

public sealed partial class SavedViewTests : IDisposable
{
    private const string NestedFilters =
        """{"search":"cat ","category":null,"tags":["b","a"],"sortBy":"file_name","zeta":{"z":1.50,"a":[1e-05,{"k":true}],"m":""},"alpha":-0}""";

    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Create_Answers201_FiltersComeBackVerbatimFromCreateAndList()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var created = await _bed.SendAsync(HttpMethod.Post, "/views",
            $$"""{"dataset_id": "{{datasetId}}", "name": "My view", "filters": {{NestedFilters}}, "ignored": 1}""");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var view = created.Json;
        Assert.Equal(["id", "dataset_id", "name", "filters", "created_at", "updated_at"], view.EnumerateObject().Select(p => p.Name));
        Assert.Matches(UuidV4(), view.GetProperty("id").GetString());
        Assert.Equal(datasetId, view.GetProperty("dataset_id").GetString());
        Assert.Equal("My view", view.GetProperty("name").GetString());
        Assert.Equal(NestedFilters, view.GetProperty("filters").GetRawText());
        Assert.Matches(Timestamp(), view.GetProperty("created_at").GetString());
        Assert.Equal(view.GetProperty("created_at").GetString(), view.GetProperty("updated_at").GetString());

        var listed = await _bed.SendAsync(HttpMethod.Get, $"/views?dataset_id={datasetId}");
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        var only = Assert.Single(listed.Json.GetProperty("views").EnumerateArray());
        Assert.Equal(view.GetRawText(), only.GetRawText());
    }

    [Fact]
    public async Task List_IsNewestFirst_AndScopedToTheDataset()
    {
        var datasetId = await _bed.IngestSmallCocoAsync("first");
        var otherId = await _bed.IngestSmallCocoAsync("second");
        foreach (var name in new[] { "one", "two", "three", "four" })
        {
            var created = await _bed.SendAsync(HttpMethod.Post, "/views", new { dataset_id = datasetId, name, filters = new { } });
            Assert.Equal(HttpStatusCode.Created, created.Status);
        }

        await _bed.SendAsync(HttpMethod.Post, "/views", new { dataset_id = otherId, name = "elsewhere", filters = new { } });

        var views = (await _bed.SendAsync(HttpMethod.Get, $"/views/?dataset_id={datasetId}")).Json.GetProperty("views");
        Assert.Equal(["four", "three", "two", "one"], views.EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Equal("{}", views[0].GetProperty("filters").GetRawText());

        Assert.Equal("""{"views":[]}""", (await _bed.SendAsync(HttpMethod.Get, "/views?dataset_id=unknown")).Text);
    }

    [Fact]
    public async Task EqualTimestamps_PutTheLaterCreationFirst()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await _bed.SendAsync(HttpMethod.Post, "/views", new { dataset_id = datasetId, name, filters = new { } });
        }

        // Give all three the same instant: only the creation order can rank them.
        _bed.Execute("UPDATE saved_views SET created_at = TIMESTAMP '2026-01-01 00:00:00', updated_at = TIMESTAMP '2026-01-01 00:00:00'");

        var views = (await _bed.SendAsync(HttpMethod.Get, $"/views?dataset_id={datasetId}")).Json.GetProperty("views");
        Assert.Equal(["c", "b", "a"], views.EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Equal("2026-01-01T00:00:00.000000Z", views[0].GetProperty("created_at").GetString());
    }

    [Fact]
    public async Task Delete_Answers204WithEmptyBody_WhetherOrNotTheViewExists()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var keep = (await _bed.SendAsync(HttpMethod.Post, "/views", new { dataset_id = datasetId, name = "keep", filters = new { a = 1 } })).Json.GetProperty("id").GetString();
        var drop = (await _bed.SendAsync(HttpMethod.Post, "/views", new { dataset_id = datasetId, name = "drop", filters = new { a = 2 } })).Json.GetProperty("id").GetString();

        var first = await _bed.SendAsync(HttpMethod.Delete, $"/views/{drop}");
        var second = await _bed.SendAsync(HttpMethod.Delete, $"/views/{drop}");
        var never = await _bed.SendAsync(HttpMethod.Delete, "/views/never-existed");

        Assert.All([first, second, never], answer =>
        {
            Assert.Equal(HttpStatusCode.NoContent, answer.Status);
            Assert.Equal(string.Empty, answer.Text);
        });
        var views = (await _bed.SendAsync(HttpMethod.Get, $"/views?dataset_id={datasetId}")).Json.GetProperty("views");
        Assert.Equal([keep], views.EnumerateArray().Select(v => v.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task UnknownDataset_Answers404_AndStoresNothing()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var answer = await _bed.SendAsync(HttpMethod.Post, "/views", new { dataset_id = "unknown", name = "x", filters = new { } });

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("""{"detail":"Dataset not found"}""", answer.Text);
        Assert.Equal(0L, EditingTestBed.Long(_bed.Bed.Query("SELECT count(*) FROM saved_views").Single()[0]));
        Assert.NotEmpty(datasetId);
    }

    [Theory]
    [InlineData("""{"dataset_id": "d", "name": "n"}""", "missing", "Field required")]
    [InlineData("""{"dataset_id": "d", "name": "n", "filters": null}""", "dict_type", "Input should be a valid dictionary")]
    [InlineData("""{"dataset_id": "d", "name": "n", "filters": ["a"]}""", "dict_type", "Input should be a valid dictionary")]
    [InlineData("""{"dataset_id": "d", "name": "n", "filters": "{}"}""", "dict_type", "Input should be a valid dictionary")]
    public async Task FiltersMissingOrNotAnObject_Answers422(string body, string type, string message)
    {
        var answer = await _bed.SendAsync(HttpMethod.Post, "/views", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
        var issue = Assert.Single(answer.Json.GetProperty("detail").EnumerateArray());
        Assert.Equal(type, issue.GetProperty("type").GetString());
        Assert.Equal("""["body","filters"]""", issue.GetProperty("loc").GetRawText());
        Assert.Equal(message, issue.GetProperty("msg").GetString());
    }

    [Fact]
    public async Task ListWithoutDatasetId_Answers422()
    {
        var answer = await _bed.SendAsync(HttpMethod.Get, "/views");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
        Assert.Equal(
            """{"detail":[{"type":"missing","loc":["query","dataset_id"],"msg":"Field required","input":null}]}""",
            answer.Text);
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")]
    private static partial Regex Timestamp();
}
