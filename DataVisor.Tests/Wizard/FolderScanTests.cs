using System.Net;
using System.Text;
using System.Text.Json;
using DataVisor.Tests.Ingestion;
using static DataVisor.Tests.Wizard.WizardFolders;

namespace DataVisor.Tests.Wizard;

/// <summary>Contract §4.12 R35 and §5.5: folder layouts A-E, the sniffs, determinism (D22) and errors.</summary>
public sealed class FolderScanTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private string Root(string name) => Folder(_bed.Temp.Combine("scan", name));

    private async Task<(HttpStatusCode Status, JsonElement Body)> ScanAsync(object body, IngestTestBed? bed = null)
    {
        using var client = (bed ?? _bed).Api.CreateClient();
        var (response, json) = await PostJsonAsync(client, "/ingestion/scan", body);
        return (response.StatusCode, json);
    }

    private static List<(string Name, string AnnotationPath, string ImageDir, int Images, long Size)> Splits(JsonElement scan) =>
        scan.GetProperty("splits").EnumerateArray().Select(s => (
            s.GetProperty("name").GetString()!,
            s.GetProperty("annotation_path").GetString()!,
            s.GetProperty("image_dir").GetString()!,
            s.GetProperty("image_count").GetInt32(),
            s.GetProperty("annotation_file_size").GetInt64())).ToList();

    private static List<string> Warnings(JsonElement scan) =>
        scan.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();

    [Fact]
    public async Task LayoutA_StandardCoco_MatchesFilesToSplitFoldersByKeyword()
    {
        var root = Root("coco2017");
        var train = SimpleCoco(Path.Combine(root, "annotations", "instances_train2017.json"), 2);
        var val = SimpleCoco(Path.Combine(root, "annotations", "instances_val2017.json"), 1);
        var notes = Write(Path.Combine(root, "annotations", "notes.json"), """{"text": "not coco"}""");
        WriteImages(Path.Combine(root, "images", "train2017"), 2);
        WriteImages(Path.Combine(root, "images", "val2017"), 1);
        File.WriteAllText(Path.Combine(root, "images", "val2017", "readme.txt"), "not an image");
        File.WriteAllText(Path.Combine(root, "images", "val2017", ".hidden.png"), "hidden");
        File.CreateSymbolicLink(Path.Combine(root, "images", "val2017", "link.png"), Path.Combine(root, "images", "train2017", "img_0.png"));
        Folder(root, "images", "val2017", "nested.png");

        var (status, scan) = await ScanAsync(new { root_path = root + "/./" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(root, scan.GetProperty("root_path").GetString());
        Assert.Equal("coco2017", scan.GetProperty("dataset_name").GetString());
        Assert.Equal("coco", scan.GetProperty("format").GetString());
        Assert.Equal(
            [
                ("train", train, Path.Combine(root, "images", "train2017"), 2, new FileInfo(train).Length),
                ("val", val, Path.Combine(root, "images", "val2017"), 1, new FileInfo(val).Length),
            ],
            Splits(scan));
        Assert.Equal([$"Found JSON but not valid COCO: {notes}"], Warnings(scan));
        Assert.Equal(5, scan.EnumerateObject().Count());
    }

    [Fact]
    public async Task LayoutA_ImagesFolderIsTheCatchAll_AndRootSplitFoldersFillMissingSplits()
    {
        var root = Root("my data");
        var all = SimpleCoco(Path.Combine(root, "annotations", "instances_all.json"), 1);
        var test = SimpleCoco(Path.Combine(root, "annotations", "instances_test.json"), 1);
        var unmatched = SimpleCoco(Path.Combine(root, "annotations", "instances_val.json"), 1);
        WriteImages(Path.Combine(root, "images"), 3);
        WriteImages(Path.Combine(root, "Test"), 1);

        var (status, scan) = await ScanAsync(new { root_path = root });

        Assert.Equal(HttpStatusCode.OK, status);
        // "val" has no folder, so that file falls back to the catch-all like the unnamed one.
        Assert.Equal(
            [
                ("test", test, Path.Combine(root, "Test"), 1, new FileInfo(test).Length),
                ("my_data", all, Path.Combine(root, "images"), 3, new FileInfo(all).Length),
                ("my_data", unmatched, Path.Combine(root, "images"), 3, new FileInfo(unmatched).Length),
            ],
            Splits(scan));
        Assert.Empty(Warnings(scan));
    }

    [Fact]
    public async Task LayoutB_RoboflowCoco_FirstFolderPerSplitInOrdinalOrder_WarnsAboutInvalidJson()
    {
        var root = Root("roboflow");
        // "Train" < "train" ordinally: the capitalised folder is the train split, the other one is ignored.
        var chosen = SimpleCoco(Path.Combine(root, "Train", "_annotations.coco.json"), 1);
        WriteImages(Path.Combine(root, "Train"), 1);
        SimpleCoco(Path.Combine(root, "train", "_annotations.coco.json"), 2);
        WriteImages(Path.Combine(root, "train"), 2);
        var broken = Write(Path.Combine(root, "valid", "_a.json"), """{"info": [1,, 2], "images": []}""");
        var valid = SimpleCoco(Path.Combine(root, "valid", "_b.json"), 2);
        WriteImages(Path.Combine(root, "valid"), 2);
        var test = SimpleCoco(Path.Combine(root, "testing", "x.json"), 1);
        WriteImages(Path.Combine(root, "testing"), 1);
        SimpleCoco(Path.Combine(root, "other", "x.json"), 1);
        WriteImages(Path.Combine(root, "other"), 1);

        var (status, scan) = await ScanAsync(new { root_path = root });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("coco", scan.GetProperty("format").GetString());
        Assert.Equal(
            [
                ("train", chosen, Path.Combine(root, "Train"), 1, new FileInfo(chosen).Length),
                ("val", valid, Path.Combine(root, "valid"), 2, new FileInfo(valid).Length),
                ("test", test, Path.Combine(root, "testing"), 1, new FileInfo(test).Length),
            ],
            Splits(scan));
        Assert.Equal([$"Found JSON but not valid COCO: {broken}"], Warnings(scan));
    }

    [Fact]
    public async Task LayoutC_FlatCoco_OneSplitNamedAfterTheRoot()
    {
        var root = Root("flat");
        var skipped = Write(Path.Combine(root, "a.json"), "[1, 2]");
        var coco = SimpleCoco(Path.Combine(root, "b.json"), 2);
        SimpleCoco(Path.Combine(root, "c.json"), 2);
        WriteImages(root, 2);

        var (status, scan) = await ScanAsync(new { root_path = root });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([("flat", coco, root, 2, new FileInfo(coco).Length)], Splits(scan));
        Assert.Equal([$"Found JSON but not valid COCO: {skipped}"], Warnings(scan));
    }

    [Fact]
    public async Task LayoutC_WithoutImages_IsNotImportable()
    {
        var root = Root("no-images");
        SimpleCoco(Path.Combine(root, "coco.json"), 1);

        var (status, body) = await ScanAsync(new { root_path = root });

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("No importable datasets detected in this directory", Detail(body));
    }

    [Fact]
    public async Task LayoutD_JsonlPerSplitFolder_FirstPassingFileWins()
    {
        var root = Root("jsonl-splits");
        var train = Jsonl(Path.Combine(root, "train", "labels.jsonl"), ("img_0.png", "cat"));
        WriteImages(Path.Combine(root, "train"), 2);
        Write(Path.Combine(root, "val", "a.jsonl"), """{"filename": "img_0.png", "bbox": [1, 2, 3, 4], "label": "cat"}""" + "\n");
        var val = Jsonl(Path.Combine(root, "val", "b.jsonl"), ("img_0.png", "dog"));
        Jsonl(Path.Combine(root, "val", "c.jsonl"), ("img_0.png", "bird"));
        WriteImages(Path.Combine(root, "val"), 1);
        // A COCO file in the same folder loses: layout D is tried before B.
        SimpleCoco(Path.Combine(root, "train", "coco.json"), 1);

        var (status, scan) = await ScanAsync(new { root_path = root });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("classification_jsonl", scan.GetProperty("format").GetString());
        Assert.Equal(
            [
                ("train", train, Path.Combine(root, "train"), 2, new FileInfo(train).Length),
                ("val", val, Path.Combine(root, "val"), 1, new FileInfo(val).Length),
            ],
            Splits(scan));
    }

    [Fact]
    public async Task LayoutE_FlatJsonl_ImagesFolderOrRoot()
    {
        var root = Root("flat.jsonl-set");
        var labels = Jsonl(Path.Combine(root, "labels.jsonl"), ("img_0.png", "cat"), ("img_1.png", "dog"));
        WriteImages(Path.Combine(root, "images"), 2);

        var (status, scan) = await ScanAsync(new { root_path = root });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("classification_jsonl", scan.GetProperty("format").GetString());
        Assert.Equal([("flat.jsonl-set", labels, Path.Combine(root, "images"), 2, new FileInfo(labels).Length)], Splits(scan));
    }

    [Fact]
    public async Task CocoSniff_HasNoSizeLimit_AndLooksAtTheFirstTenKeysOnly()
    {
        var root = Root("sniff");
        // "images" is the 10th key, after a multi-megabyte annotations array and a long string.
        var big = new StringBuilder("{");
        for (var i = 0; i < 7; i++)
        {
            big.Append($"\"k{i}\": {{\"nested\": [1, 2, {{\"images\": 1}}]}}, ");
        }

        big.Append("\"note\": \"").Append('x', 200_000).Append("\", \"annotations\": [");
        for (var i = 0; i < 60_000; i++)
        {
            big.Append(i == 0 ? string.Empty : ",").Append($"{{\"id\": {i}, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3, 4]}}");
        }

        big.Append("], \"images\": [{\"id\": 1, \"file_name\": \"img_0.png\"}]}");
        var late = Write(Path.Combine(root, "b_late.json"), big.ToString());
        Assert.True(new FileInfo(late).Length > 4_000_000);
        var eleventh = Write(
            Path.Combine(root, "a_eleventh.json"),
            "{" + string.Concat(Enumerable.Range(0, 10).Select(i => $"\"k{i}\": 0, ")) + "\"images\": []}");
        WriteImages(root, 1);

        var (status, scan) = await ScanAsync(new { root_path = root });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([("sniff", late, root, 1, new FileInfo(late).Length)], Splits(scan));
        Assert.Equal([$"Found JSON but not valid COCO: {eleventh}"], Warnings(scan));
    }

    [Fact]
    public async Task Scan_IsDeterministic()
    {
        var root = Root("repeat");
        foreach (var split in (string[])["val2014", "val", "train2014", "TRAINING", "test2017"])
        {
            SimpleCoco(Path.Combine(root, split, $"{split}.json"), 1);
            WriteImages(Path.Combine(root, split), 1);
        }

        var (_, first) = await ScanAsync(new { root_path = root });
        var (_, second) = await ScanAsync(new { root_path = root });

        Assert.Equal(first.GetRawText(), second.GetRawText());
        Assert.Equal(
            [("train", "TRAINING"), ("val", "val"), ("test", "test2017")],
            Splits(first).Select(s => (s.Name, Path.GetFileName(s.ImageDir))));
    }

    [Fact]
    public async Task Errors_InContractOrder()
    {
        var root = Root("errors");
        var file = Write(Path.Combine(root, "file.json"), "{}");

        Assert.Equal((HttpStatusCode.BadRequest, "Path is required"), Describe(await ScanAsync(new { root_path = "  " })));
        Assert.Equal((HttpStatusCode.BadRequest, "Cloud storage paths (gs://) are not supported"), Describe(await ScanAsync(new { root_path = "gs://bucket/x" })));
        Assert.Equal(
            (HttpStatusCode.BadRequest, "Directory not found. If running in Docker, ensure the directory is volume-mounted."),
            Describe(await ScanAsync(new { root_path = Path.Combine(root, "missing") })));
        Assert.Equal((HttpStatusCode.BadRequest, $"Path is not a directory: {file}"), Describe(await ScanAsync(new { root_path = file })));
        Assert.Equal(
            (HttpStatusCode.BadRequest, "Directory not found. If running in Docker, ensure the directory is volume-mounted."),
            Describe(await ScanAsync(new { root_path = root + "/a\0b" })));
        Assert.Equal((HttpStatusCode.NotFound, "No importable datasets detected in this directory"), Describe(await ScanAsync(new { root_path = root })));

        var (status, problem) = await ScanAsync(new { path = root });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var issue = problem.GetProperty("detail")[0];
        Assert.Equal("missing", issue.GetProperty("type").GetString());
        Assert.Equal("""["body","root_path"]""", issue.GetProperty("loc").GetRawText());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ScanAsync(new { root_path = 3 })).Status);
    }

    [Fact]
    public async Task DataRoots_BoundTheScan()
    {
        var allowed = Root("allowed");
        WriteImages(allowed, 1);
        SimpleCoco(Path.Combine(allowed, "coco.json"), 1);
        var outside = Root("outside");
        using var bed = new IngestTestBed(new Dictionary<string, string?> { ["DATAVISOR_DATA_ROOTS"] = allowed });

        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(new { root_path = allowed }, bed)).Status);
        Assert.Equal(
            (HttpStatusCode.Forbidden, $"Path is outside the allowed data roots: {outside}"),
            Describe(await ScanAsync(new { root_path = outside + "/" }, bed)));
        // "allowed/../outside" normalises to outside; a missing folder outside is 403 too, never 400.
        Assert.Equal(HttpStatusCode.Forbidden, (await ScanAsync(new { root_path = allowed + "/../outside" }, bed)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ScanAsync(new { root_path = allowed + "-sibling" }, bed)).Status);
    }

    private static (HttpStatusCode, string) Describe((HttpStatusCode Status, JsonElement Body) result) => (result.Status, Detail(result.Body));
}
