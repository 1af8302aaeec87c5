using System.Net;
using System.Text.Json;
using DataVisor.Api.Ingestion;
using DataVisor.Tests.Infrastructure;
using DataVisor.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using static DataVisor.Tests.Wizard.WizardFolders;

namespace DataVisor.Tests.Wizard;

/// <summary>Contract §4.12 R36, §5.4 and D4/D14/D18: multi-split imports as one atomic dataset.</summary>
public sealed class ImportTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private string Root(string name) => Folder(_bed.Temp.Combine("import", name));

    private static (string Stage, int Current, int? Total, string Message, string? Split) Describe(JsonElement e) =>
        (e.GetProperty("stage").GetString()!,
         e.GetProperty("current").GetInt32(),
         e.GetProperty("total").ValueKind == JsonValueKind.Null ? null : e.GetProperty("total").GetInt32(),
         e.GetProperty("message").GetString()!,
         e.GetProperty("split").GetString());

    /// <summary>
    /// The events with the thumbnails stage's counts and message blanked, and its intermediate events (which
    /// §5.4 allows) folded into one: that stage belongs to the images feature, and only its place in the
    /// sequence is asserted here.
    /// </summary>
    private static List<(string Stage, int Current, int? Total, string Message, string? Split)> Sequence(List<JsonElement> events)
    {
        var thumbnails = events.Select(Describe).Where(e => e.Stage == "thumbnails").ToList();
        Assert.All(thumbnails, e => Assert.Matches(@"^(Generated \d+ thumbnails \(\d+ errors\)|No images to generate thumbnails for)$", e.Message));
        Assert.All(thumbnails, e => Assert.InRange(e.Current, 0, e.Total ?? -1));
        var described = events.Select(Describe).ToList();
        return described
            .Where((e, i) => !(e.Stage == "thumbnails" && i + 1 < described.Count && described[i + 1].Stage == "thumbnails"))
            .Select(e => e.Stage == "thumbnails" ? (e.Stage, 0, (int?)0, "…", e.Split) : e)
            .ToList();
    }

    private async Task<(HttpResponseMessage Response, List<JsonElement> Events)> ImportAsync(object body, IngestTestBed? bed = null) =>
        await (bed ?? _bed).Api.PostForEventsAsync("/ingestion/import", body);

    /// <summary>A COCO import whose splits' images sit in <c>root/&lt;split name&gt;</c>.</summary>
    private Task<(HttpResponseMessage Response, List<JsonElement> Events)> ImportCocoSplitsAsync(
        string datasetName, string root, params (string Name, string AnnotationPath)[] splits) =>
        ImportAsync(new
        {
            dataset_name = datasetName,
            format = "coco",
            splits = splits.Select(split => new { name = split.Name, annotation_path = split.AnnotationPath, image_dir = Path.Combine(root, split.Name) }).ToArray(),
        });

    [Fact]
    public async Task CocoSplits_StreamPerSplitStages_ThenOneComplete_WithPrefixedIds()
    {
        var root = Root("coco");
        var trainImages = Folder(root, "train");
        var valImages = Folder(root, "val");
        WriteImages(trainImages, 2);
        WriteImages(valImages, 1, width: 10, height: 30);
        var train = Coco(Path.Combine(root, "train.json"), [(1, "cat"), (2, "dog")], [(1, "img_0.png"), (2, "img_1.png")], [(1, 1, 1), (2, 1, 2), (3, 2, 1)]);
        // The same image and annotation ids as train: the prefixes keep them apart. Category 1 is declared
        // again with another name: the first declaration wins (§2.4). Annotation 9 is an orphan.
        var val = Coco(Path.Combine(root, "val.json"), [(1, "kitty"), (3, "bird")], [(1, "img_0.png")], [(1, 1, 3), (9, 7, 1)]);

        var (response, events) = await ImportAsync(new
        {
            dataset_name = " ",
            splits = new[]
            {
                new { name = "train", annotation_path = train, image_dir = trainImages },
                new { name = "val", annotation_path = val, image_dir = valImages + "/" },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        Assert.Equal(
            [
                ("split_start", 1, 2, "Starting split: train (1/2)", "train"),
                ("categories", 2, 2, "Loaded 2 categories", "train"),
                ("parsing_images", 2, 2, "Parsed 2 images", "train"),
                ("parsing_annotations", 3, 3, "Parsed 3 annotations", "train"),
                ("thumbnails", 0, 0, "…", "train"),
                ("split_complete", 2, 2, "Split train complete: 2 images, 3 annotations", "train"),
                ("split_start", 2, 2, "Starting split: val (2/2)", "val"),
                ("categories", 2, 2, "Loaded 2 categories", "val"),
                ("parsing_images", 1, 1, "Parsed 1 images", "val"),
                ("parsing_annotations", 1, 1, "Parsed 1 annotations", "val"),
                ("thumbnails", 0, 0, "…", "val"),
                ("split_complete", 1, 1, "Split val complete: 1 images, 1 annotations; 1 annotations skipped (no matching image)", "val"),
                ("complete", 3, 3, $"Ingestion complete: 3 images, 4 annotations; 1 annotations skipped (no matching image) (dataset_id={datasetId})", "val"),
            ],
            Sequence(events));
        Assert.All(events, e => Assert.Equal(datasetId, e.GetProperty("dataset_id").GetString()));
        Assert.All(events, e => Assert.Equal(6, e.EnumerateObject().Count()));

        var dataset = await _bed.GetJsonAsync($"/datasets/{datasetId}");
        Assert.Equal("train", dataset.GetProperty("name").GetString());
        Assert.Equal(train, dataset.GetProperty("source_path").GetString());
        Assert.Equal(trainImages, dataset.GetProperty("image_dir").GetString());
        Assert.Equal(3, dataset.GetProperty("image_count").GetInt32());
        Assert.Equal(4, dataset.GetProperty("annotation_count").GetInt32());
        Assert.Equal(3, dataset.GetProperty("category_count").GetInt32());

        Assert.Equal(
            [
                ["train_1", "img_0.png", trainImages, "train", "1", 0L],
                ["train_2", "img_1.png", trainImages, "train", "2", 1L],
                ["val_1", "img_0.png", valImages, "val", "1", 2L],
            ],
            _bed.Query("SELECT id, file_name, image_dir, split, source_image_id, position FROM samples ORDER BY position"));
        Assert.Equal(
            [
                ["train_1", "train_1", "cat"],
                ["train_2", "train_1", "dog"],
                ["train_3", "train_2", "cat"],
                ["val_1", "val_1", "bird"],
            ],
            _bed.Query("SELECT id, sample_id, category_name FROM annotations ORDER BY id"));
        Assert.Equal(
            [[1L, "cat"], [2L, "dog"], [3L, "bird"]],
            _bed.Query("SELECT category_id, name FROM categories ORDER BY category_id"));
    }

    [Fact]
    public async Task ScannedJsonlSplits_AreDetectedPerFile_AndDeclareTheUnionOfLabels()
    {
        var root = Root("pets");
        Jsonl(Path.Combine(root, "train", "labels.jsonl"), ("img_0.png", "dog"), ("img_1.png", "cat"));
        WriteImages(Path.Combine(root, "train"), 2);
        Jsonl(Path.Combine(root, "val", "labels.jsonl"), ("img_0.png", "bird"), ("img_0.png", "cat"));
        WriteImages(Path.Combine(root, "val"), 1);
        using var client = _bed.Api.CreateClient();
        var (_, scan) = await PostJsonAsync(client, "/ingestion/scan", new { root_path = root });

        // Exactly what the frontend sends: the scanned splits, a name, and no format (D14).
        var (response, events) = await ImportAsync(new
        {
            dataset_name = scan.GetProperty("dataset_name").GetString(),
            splits = scan.GetProperty("splits").EnumerateArray().Select(s => new
            {
                name = s.GetProperty("name").GetString(),
                annotation_path = s.GetProperty("annotation_path").GetString(),
                image_dir = s.GetProperty("image_dir").GetString(),
            }),
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        Assert.Equal(
            [
                ("split_start", 1, 2, "Starting split: train (1/2)", "train"),
                ("categories", 2, 2, "Loaded 2 categories", "train"),
                ("parsing_images", 2, 2, "Parsed 2 images", "train"),
                ("parsing_annotations", 2, 2, "Parsed 2 annotations", "train"),
                ("thumbnails", 0, 0, "…", "train"),
                ("split_complete", 2, 2, "Split train complete: 2 images, 2 annotations", "train"),
                ("split_start", 2, 2, "Starting split: val (2/2)", "val"),
                ("categories", 2, 2, "Loaded 2 categories", "val"),
                ("parsing_images", 2, 2, "Parsed 2 images", "val"),
                ("parsing_annotations", 2, 2, "Parsed 2 annotations", "val"),
                ("thumbnails", 0, 0, "…", "val"),
                ("split_complete", 2, 2, "Split val complete: 2 images, 2 annotations", "val"),
                ("complete", 4, 4, $"Ingestion complete: 4 images, 4 annotations (dataset_id={datasetId})", "val"),
            ],
            Sequence(events));
        var dataset = await _bed.GetJsonAsync($"/datasets/{datasetId}");
        Assert.Equal("pets", dataset.GetProperty("name").GetString());
        Assert.Equal("classification_jsonl", dataset.GetProperty("format").GetString());
        Assert.Equal("classification", dataset.GetProperty("dataset_type").GetString());
        Assert.Equal(3, dataset.GetProperty("category_count").GetInt32());

        Assert.Equal(
            [[0L, "bird"], [1L, "cat"], [2L, "dog"]],
            _bed.Query("SELECT category_id, name FROM categories ORDER BY category_id"));
        Assert.Equal(
            [["train_0", 40, 20], ["train_1", 40, 20], ["val_0", 40, 20], ["val_1", 40, 20]],
            _bed.Query("SELECT id, width, height FROM samples ORDER BY position"));
        Assert.Equal(
            [["train_ann_0", "train_0", "dog"], ["train_ann_1", "train_1", "cat"], ["val_ann_0", "val_0", "bird"], ["val_ann_1", "val_1", "cat"]],
            _bed.Query("SELECT id, sample_id, category_name FROM annotations ORDER BY id"));
    }

    [Fact]
    public async Task EachSplit_ReportsItsOwnBatches()
    {
        var root = Root("batches");
        var images = Folder(root, "images");
        string Split(string name, int count) => Coco(
            Path.Combine(root, $"{name}.json"),
            [(1, "cat")],
            [.. Enumerable.Range(1, count).Select(i => (i, $"img_{i}.png"))],
            [.. Enumerable.Range(1, count).Select(i => (i, i, 1))]);

        var (response, events) = await ImportAsync(new
        {
            dataset_name = "batches",
            splits = new[]
            {
                new { name = "train", annotation_path = Split("train", 1500), image_dir = images },
                new { name = "val", annotation_path = Split("val", 1001), image_dir = images },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        Assert.Equal(
            [
                ("split_start", 1, 2, "Starting split: train (1/2)", "train"),
                ("categories", 1, 1, "Loaded 1 categories", "train"),
                ("parsing_images", 1000, null, "Parsed 1000 images", "train"),
                ("parsing_images", 1500, 1500, "Parsed 1500 images", "train"),
                ("parsing_annotations", 1000, null, "Parsed 1000 annotations", "train"),
                ("parsing_annotations", 1500, 1500, "Parsed 1500 annotations", "train"),
                ("thumbnails", 0, 0, "…", "train"),
                ("split_complete", 1500, 1500, "Split train complete: 1500 images, 1500 annotations", "train"),
                ("split_start", 2, 2, "Starting split: val (2/2)", "val"),
                ("categories", 1, 1, "Loaded 1 categories", "val"),
                ("parsing_images", 1000, null, "Parsed 1000 images", "val"),
                ("parsing_images", 1001, 1001, "Parsed 1001 images", "val"),
                ("parsing_annotations", 1000, null, "Parsed 1000 annotations", "val"),
                ("parsing_annotations", 1001, 1001, "Parsed 1001 annotations", "val"),
                ("thumbnails", 0, 0, "…", "val"),
                ("split_complete", 1001, 1001, "Split val complete: 1001 images, 1001 annotations", "val"),
                ("complete", 2501, 2501, $"Ingestion complete: 2501 images, 2501 annotations (dataset_id={datasetId})", "val"),
            ],
            Sequence(events));
        Assert.Equal(
            [[2501L, 2501L, 0L, 2500L]],
            _bed.Query("SELECT count(*), count(DISTINCT id), min(position), max(position) FROM samples"));
    }

    [Fact]
    public async Task MalformedSecondSplit_RollsBackTheWholeImport()
    {
        var root = Root("broken");
        WriteImages(Folder(root, "train"), 2);
        WriteImages(Folder(root, "val"), 1);
        var train = SimpleCoco(Path.Combine(root, "train.json"), 2);
        var val = Write(Path.Combine(root, "val.json"), """{"images": [{"id": 1, "file_name": "img_0.png"}, {"id": 2, """);

        var (response, events) = await ImportCocoSplitsAsync("broken", root, ("train", train), ("val", val));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            ["split_start", "categories", "parsing_images", "parsing_annotations", "thumbnails", "split_complete", "split_start", "error"],
            events.Select(e => e.GetProperty("stage").GetString()));
        var error = events[^1];
        Assert.StartsWith($"Invalid JSON in {val}", error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("dataset_id").ValueKind);
        Assert.Equal("val", error.GetProperty("split").GetString());
        Assert.Equal(0, await _bed.CountDatasetsAsync());
        Assert.Equal(0, _bed.CountAllRows());
    }

    [Fact]
    public async Task TwoSplitsProducingTheSameSampleId_RollBackWithTheClash()
    {
        // "a" + "_" + "b_1" and "a_b" + "_" + "1" are both a_b_1 (§2.10 prefixes); one sample cannot be two images.
        var root = Root("clash");
        WriteImages(Folder(root, "a"), 1);
        WriteImages(Folder(root, "a_b"), 1);
        var first = Write(Path.Combine(root, "a.json"), """
            {"categories": [{"id": 1, "name": "cat"}],
             "images": [{"id": "b_1", "file_name": "img_0.png", "width": 40, "height": 20}],
             "annotations": [{"id": 1, "image_id": "b_1", "category_id": 1, "bbox": [1, 2, 3, 4]}]}
            """);
        var second = SimpleCoco(Path.Combine(root, "a_b.json"), 1);

        var (response, events) = await ImportCocoSplitsAsync("clash", root, ("a", first), ("a_b", second));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = events[^1];
        Assert.Equal("error", error.GetProperty("stage").GetString());
        Assert.Equal(
            "Sample id 'a_b_1' of split 'a_b' is also the id of an image of split 'a' (split name + '_' + image id); rename one of the splits",
            error.GetProperty("message").GetString());
        Assert.Equal("a_b", error.GetProperty("split").GetString());
        Assert.Equal(0, await _bed.CountDatasetsAsync());
        Assert.Equal(0, _bed.CountAllRows());
    }

    [Fact]
    public async Task CancelledAfterTheLastSplit_BeforeTheCommit_LeavesNothing()
    {
        var root = Root("cancelled");
        WriteImages(Folder(root, "a"), 1);
        WriteImages(Folder(root, "b"), 1);
        var request = new ImportRequest("cancelled", [
            new ImportSplit("a", SimpleCoco(Path.Combine(root, "a.json"), 1), Path.Combine(root, "a")),
            new ImportSplit("b", SimpleCoco(Path.Combine(root, "b.json"), 1), Path.Combine(root, "b")),
        ], null);
        var (plan, rejection) = _bed.Api.Services.GetRequiredService<ImportPlanner>().Plan(request);
        Assert.Null(rejection);
        using var cancellation = new CancellationTokenSource();
        var sink = new IngestAtomicityTests.RecordingSink(onEvent: e =>
        {
            // The last event before the commit: both splits are staged by now.
            if (e.Stage == IngestStages.SplitComplete && e.Message.StartsWith("Split b", StringComparison.Ordinal))
            {
                cancellation.Cancel();
            }

            return Task.CompletedTask;
        });

        var outcome = await _bed.Api.Services.GetRequiredService<IngestService>().RunAsync(plan!, sink, cancellation.Token);

        Assert.Equal(IngestOutcome.Cancelled, outcome);
        Assert.Equal("error", sink.Events[^1].Stage);
        Assert.Equal(2, sink.Events.Count(e => e.Stage == IngestStages.SplitComplete));
        Assert.Equal(0, await _bed.CountDatasetsAsync());
        Assert.Equal(0, _bed.CountAllRows());
    }

    [Fact]
    public async Task PreStreamErrors_AreJson()
    {
        var root = Root("errors");
        WriteImages(Folder(root, "images"), 1);
        var coco = SimpleCoco(Path.Combine(root, "coco.json"), 1);
        var jsonl = Jsonl(Path.Combine(root, "labels.jsonl"), ("img_0.png", "cat"));
        var images = Path.Combine(root, "images");
        object Split(string name, string annotationPath, string? imageDir = null) =>
            new { name, annotation_path = annotationPath, image_dir = imageDir ?? images };

        async Task<(HttpStatusCode, string)> Rejected(object body)
        {
            using var client = _bed.Api.CreateClient();
            var (response, json) = await PostJsonAsync(client, "/ingestion/import", body);
            return (response.StatusCode, Detail(json));
        }

        Assert.Equal((HttpStatusCode.BadRequest, "At least one split is required"), await Rejected(new { dataset_name = "x", splits = Array.Empty<object>() }));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid split name 'my split'"), await Rejected(new { dataset_name = "x", splits = new[] { Split("my split", coco) } }));
        Assert.Equal((HttpStatusCode.BadRequest, "Duplicate split name 'a'"), await Rejected(new { dataset_name = "x", splits = new[] { Split("a", coco), Split("a", coco) } }));
        Assert.Equal((HttpStatusCode.BadRequest, "Unsupported format: yolo"), await Rejected(new { dataset_name = "x", format = "yolo", splits = new[] { Split("a", coco) } }));
        Assert.Equal((HttpStatusCode.BadRequest, "Cloud storage paths (gs://) are not supported"), await Rejected(new { dataset_name = "x", splits = new[] { Split("a", "gs://b/c.json") } }));
        var missing = Path.Combine(root, "missing.json");
        Assert.Equal((HttpStatusCode.BadRequest, $"Annotation file not found: {missing}"), await Rejected(new { dataset_name = "x", splits = new[] { Split("a", coco), Split("b", missing) } }));
        Assert.Equal((HttpStatusCode.BadRequest, "All splits must have the same format"), await Rejected(new { dataset_name = "x", splits = new[] { Split("a", coco), Split("b", jsonl) } }));
        Assert.Equal((HttpStatusCode.BadRequest, $"Annotation file not found: {coco}\0"), await Rejected(new { dataset_name = "x", splits = new[] { Split("a", coco + "\0") } }));
        Assert.Equal((HttpStatusCode.BadRequest, $"Image directory not found: {images}\0x"), await Rejected(new { dataset_name = "x", splits = new[] { Split("a", coco, images + "\0x") } }));
        var noFolder = Path.Combine(root, "nope");
        Assert.Equal((HttpStatusCode.BadRequest, $"Image directory not found: {noFolder}"), await Rejected(new { dataset_name = "x", splits = new[] { Split("a", coco), Split("b", coco, noFolder) } }));

        using (var client = _bed.Api.CreateClient())
        {
            var (response, problem) = await PostJsonAsync(client, "/ingestion/import", new { dataset_name = "x", splits = new object[] { new { annotation_path = coco, image_dir = 5 } } });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal(
                [("missing", """["body","splits",0,"name"]"""), ("string_type", """["body","splits",0,"image_dir"]""")],
                problem.GetProperty("detail").EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("loc").GetRawText())));
            var (notList, listProblem) = await PostJsonAsync(client, "/ingestion/import", new { splits = "train" });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, notList.StatusCode);
            Assert.Equal(
                [("missing", """["body","dataset_name"]"""), ("list_type", """["body","splits"]""")],
                listProblem.GetProperty("detail").EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("loc").GetRawText())));
        }

        Assert.Equal(0, await _bed.CountDatasetsAsync());
    }

    [Fact]
    public async Task DataRoots_AnswerForbiddenBeforeAnythingIsRead()
    {
        var allowed = Root("allowed");
        WriteImages(allowed, 1);
        var inside = SimpleCoco(Path.Combine(allowed, "coco.json"), 1);
        var outside = SimpleCoco(Path.Combine(Root("outside"), "coco.json"), 1);
        using var bed = new IngestTestBed(new Dictionary<string, string?> { ["DATAVISOR_DATA_ROOTS"] = allowed });
        using var client = bed.Api.CreateClient();

        var (response, body) = await PostJsonAsync(client, "/ingestion/import", new
        {
            dataset_name = "x",
            splits = new[]
            {
                new { name = "a", annotation_path = inside, image_dir = allowed },
                new { name = "b", annotation_path = outside, image_dir = allowed },
            },
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal($"Path is outside the allowed data roots: {outside}", Detail(body));
        Assert.Equal(0, await bed.CountDatasetsAsync());
    }
}
