using System.Net;
using System.Text.Json;
using DataVisor.Tests.Ingestion;
using static DataVisor.Tests.Wizard.WizardFolders;

namespace DataVisor.Tests.Wizard;

/// <summary>Contract §4.12 R37: the folder picker's listing, its errors, and browsing above the data roots.</summary>
public sealed class BrowseTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> BrowseAsync(IngestTestBed bed, object body)
    {
        using var client = bed.Api.CreateClient();
        var (response, json) = await PostJsonAsync(client, "/ingestion/browse", body);
        return (response.StatusCode, json);
    }

    private static List<(string Name, string Type, long? Size)> Entries(JsonElement listing) =>
        listing.GetProperty("entries").EnumerateArray().Select(e => (
            e.GetProperty("name").GetString()!,
            e.GetProperty("type").GetString()!,
            e.GetProperty("size").ValueKind == JsonValueKind.Null ? (long?)null : e.GetProperty("size").GetInt64())).ToList();

    [Fact]
    public async Task ListsDirectoriesThenAnnotationFiles_EachInOrdinalOrder()
    {
        var root = Folder(_bed.Temp.Combine("browse", "root"));
        Folder(root, "val");
        Folder(root, "Train");
        Folder(root, ".cache");
        Write(Path.Combine(root, "b.jsonl"), "{}\n");
        Write(Path.Combine(root, "A.JSON"), "{\"images\": []}");
        Write(Path.Combine(root, "notes.txt"), "ignored");
        WriteImages(root, 1);

        var (status, listing) = await BrowseAsync(_bed, new { path = $"  {root}/val/../  " });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(root, listing.GetProperty("path").GetString());
        Assert.Equal(
            [
                (".cache", "directory", null),
                ("Train", "directory", null),
                ("val", "directory", null),
                ("A.JSON", "file", 14L),
                ("b.jsonl", "file", 3L),
            ],
            Entries(listing));
        Assert.All(listing.GetProperty("entries").EnumerateArray(), e => Assert.Equal(3, e.EnumerateObject().Count()));
    }

    [Fact]
    public async Task Errors()
    {
        var root = Folder(_bed.Temp.Combine("browse", "errors"));
        var file = Write(Path.Combine(root, "x.json"), "{}");

        Assert.Equal((HttpStatusCode.BadRequest, "Path is required"), Describe(await BrowseAsync(_bed, new { path = " \t " })));
        Assert.Equal((HttpStatusCode.BadRequest, "Directory not found"), Describe(await BrowseAsync(_bed, new { path = Path.Combine(root, "missing") })));
        Assert.Equal((HttpStatusCode.BadRequest, "Directory not found"), Describe(await BrowseAsync(_bed, new { path = file })));
        Assert.Equal((HttpStatusCode.BadRequest, "Directory not found"), Describe(await BrowseAsync(_bed, new { path = root + "\0" })));
        Assert.Equal((HttpStatusCode.BadRequest, "Cloud storage paths (gs://) are not supported"), Describe(await BrowseAsync(_bed, new { path = "gs://bucket" })));

        var (status, problem) = await BrowseAsync(_bed, new { root_path = root });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("""["body","path"]""", problem.GetProperty("detail")[0].GetProperty("loc").GetRawText());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await BrowseAsync(_bed, new { path = (string?)null })).Status);
    }

    [Fact]
    public async Task AboveTheDataRoots_OnlyTheWayDownIsListed()
    {
        var top = Folder(_bed.Temp.Combine("browse", "top"));
        var rootA = Folder(top, "datasets", "a");
        var rootB = Folder(top, "more", "b");
        Folder(top, "datasets", "unrelated");
        Folder(top, "elsewhere");
        Write(Path.Combine(top, "top.json"), "{}");
        Write(Path.Combine(rootA, "inside.json"), "{}");
        using var bed = new IngestTestBed(new Dictionary<string, string?>
        {
            ["DATAVISOR_DATA_ROOTS"] = $"{rootA}{Path.PathSeparator}{rootB}",
        });

        var (topStatus, topListing) = await BrowseAsync(bed, new { path = top });
        Assert.Equal(HttpStatusCode.OK, topStatus);
        Assert.Equal([("datasets", "directory", null), ("more", "directory", null)], Entries(topListing));

        var (_, datasets) = await BrowseAsync(bed, new { path = Path.Combine(top, "datasets") });
        Assert.Equal([("a", "directory", null)], Entries(datasets));

        var (_, inside) = await BrowseAsync(bed, new { path = rootA });
        Assert.Equal([("inside.json", "file", 2L)], Entries(inside));

        var elsewhere = Path.Combine(top, "elsewhere");
        Assert.Equal((HttpStatusCode.Forbidden, $"Path is outside the allowed data roots: {elsewhere}"), Describe(await BrowseAsync(bed, new { path = elsewhere })));
        Assert.Equal(HttpStatusCode.Forbidden, (await BrowseAsync(bed, new { path = Path.Combine(top, "datasets", "unrelated") })).Status);
    }

    private static (HttpStatusCode, string) Describe((HttpStatusCode Status, JsonElement Body) result) => (result.Status, Detail(result.Body));
}
