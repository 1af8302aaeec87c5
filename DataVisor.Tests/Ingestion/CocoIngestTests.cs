using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DataVisor.Tests.Ingestion;

public sealed partial class CocoIngestTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task CategoriesAfterImagesAndAnnotations_StagesInContractOrder_RowsAndCountersStored()
    {
        TestImages.WritePng(Path.Combine(_bed.ImageDir, "a.png"), 40, 30);
        // Stored 64 × 48 with EXIF orientation 6 (90° clockwise): displayed 48 × 64 (D6).
        TestImages.WriteJpeg(Path.Combine(_bed.ImageDir, "b.jpg"), 64, 48, exifOrientation: 6);
        Directory.CreateDirectory(Path.Combine(_bed.ImageDir, "sub"));
        TestImages.WritePng(Path.Combine(_bed.ImageDir, "sub", "c.png"), 20, 10);
        var path = _bed.WriteFile("instances.json", """
            {
              "info": {"description": "test", "nested": [1, [2, {"x": null}]]},
              "licenses": [{"id": 1, "name": "cc"}],
              "images": [
                {"id": 1, "file_name": "a.png", "width": 40, "height": 30, "license": 1},
                {"id": 2, "file_name": "b.jpg"},
                {"file_name": "sub/c.png", "id": 3, "width": 0, "height": -5}
              ],
              "annotations": [
                {"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "area": 12.5, "iscrowd": 0,
                 "segmentation": [[1, 2, 3, 4, 5, 6]]},
                {"id": 11, "image_id": 1, "category_id": 2, "bbox": [0, 0, 5, 6], "iscrowd": 1,
                 "segmentation": {"counts": [1, 2, 3], "size": [30, 40]}},
                {"id": 12, "image_id": 2, "category_id": 99},
                {"image_id": 3, "category_id": 1, "bbox": [1, 1, "x", 2]},
                {"id": 14, "image_id": 999, "category_id": 1, "bbox": [0, 0, 1, 1]},
                {"id": 15, "category_id": 1, "bbox": [0, 0, 1, 1]}
              ],
              "categories": [
                {"id": 1, "name": "cat", "supercategory": "animal"},
                {"id": 2, "name": "dog"},
                {"id": 3, "name": "bird"},
                {"id": 4},
                {"id": 1, "name": "duplicate"}
              ]
            }
            """);

        using var client = _bed.Api.CreateClient();
        var response = await client.PostAsync("/datasets/ingest", JsonBody(new { annotation_path = path, image_dir = _bed.ImageDir }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches(DialectAFraming(), text);
        var events = Infrastructure.ApiFactory.ParseDataEvents(text);

        var datasetId = events[0].GetProperty("dataset_id").GetString()!;
        Assert.Matches(UuidV4(), datasetId);
        Assert.Equal(
            [
                ("categories", 3, (int?)3, "Loaded 3 categories"),
                ("parsing_images", 3, 3, "Parsed 3 images"),
                ("parsing_annotations", 4, 4, "Parsed 4 annotations"),
                ("thumbnails", 3, 3, "Generated 3 thumbnails (0 errors)"),
                ("complete", 3, 3, $"Ingestion complete: 3 images, 4 annotations; 2 annotations skipped (no matching image) (dataset_id={datasetId})"),
            ],
            events.Select(Describe));
        Assert.All(events, e => Assert.Equal(datasetId, e.GetProperty("dataset_id").GetString()));
        Assert.All(events, e => Assert.Equal(5, e.EnumerateObject().Count()));

        var dataset = await _bed.GetJsonAsync($"/datasets/{datasetId}");
        Assert.Equal("instances", dataset.GetProperty("name").GetString());
        Assert.Equal("coco", dataset.GetProperty("format").GetString());
        Assert.Equal("detection", dataset.GetProperty("dataset_type").GetString());
        Assert.Equal(path, dataset.GetProperty("source_path").GetString());
        Assert.Equal(_bed.ImageDir, dataset.GetProperty("image_dir").GetString());
        Assert.Equal(3, dataset.GetProperty("image_count").GetInt32());
        Assert.Equal(4, dataset.GetProperty("annotation_count").GetInt32());
        Assert.Equal(0, dataset.GetProperty("prediction_count").GetInt32());
        // Declared {cat, dog, bird} ∪ ground truth {cat, dog, unknown}.
        Assert.Equal(4, dataset.GetProperty("category_count").GetInt32());
        var createdAt = DateTime.Parse(dataset.GetProperty("created_at").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.InRange(DateTime.UtcNow - createdAt, TimeSpan.Zero, TimeSpan.FromMinutes(2));
        Assert.Equal(datasetId, (await _bed.GetJsonAsync("/datasets")).GetProperty("datasets")[0].GetProperty("id").GetString());

        var samples = _bed.Query("SELECT id, file_name, image_dir, width, height, split, len(tags), source_image_id, position FROM samples ORDER BY position");
        Assert.Equal(
            [
                ["1", "a.png", _bed.ImageDir, 40, 30, null, 0L, "1", 0L],
                ["2", "b.jpg", _bed.ImageDir, 48, 64, null, 0L, "2", 1L],
                ["3", "sub/c.png", _bed.ImageDir, 20, 10, null, 0L, "3", 2L],
            ],
            samples);

        var annotations = _bed.Query("""
            SELECT id, dataset_id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, source, confidence, seq
            FROM annotations ORDER BY seq
            """);
        Assert.Equal(4, annotations.Count);
        Assert.Equal(["10", datasetId, "1", "cat", 1d, 2d, 3d, 4d, 12.5, false, "ground_truth", null, 0L], annotations[0]);
        Assert.Equal(["11", datasetId, "1", "dog", 0d, 0d, 5d, 6d, 30d, true, "ground_truth", null, 1L], annotations[1]);
        Assert.Equal(["12", datasetId, "2", "unknown", 0d, 0d, 0d, 0d, 0d, false, "ground_truth", null, 2L], annotations[2]);
        Assert.Matches(UuidV4(), (string)annotations[3][0]!);
        Assert.Equal([datasetId, "3", "cat", 0d, 0d, 0d, 0d, 0d, false, "ground_truth", null, 3L], annotations[3][1..]);

        Assert.Equal(
            [[datasetId, 1L, "cat"], [datasetId, 2L, "dog"], [datasetId, 3L, "bird"]],
            _bed.Query("SELECT dataset_id, category_id, name FROM categories ORDER BY category_id"));
    }

    [Fact]
    public async Task FileNamesLeavingTheImageFolder_SkipImageAndItsAnnotations_AndAreReported()
    {
        Directory.CreateDirectory(Path.Combine(_bed.ImageDir, "sub"));
        var path = _bed.WriteFile("escape.json", """
            {"categories": [{"id": 1, "name": "a"}],
             "images": [
               {"id": 1, "file_name": "../outside.png", "width": 5, "height": 5},
               {"id": 2, "file_name": "/etc/passwd", "width": 5, "height": 5},
               {"id": 3, "file_name": "sub/../../outside.png", "width": 5, "height": 5},
               {"id": 4, "file_name": "sub/../inside.png", "width": 5, "height": 5}
             ],
             "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
               {"id": 2, "image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1]},
               {"id": 3, "image_id": 3, "category_id": 1, "bbox": [0, 0, 1, 1]},
               {"id": 4, "image_id": 4, "category_id": 1, "bbox": [0, 0, 1, 1]}
             ]}
            """);

        var events = await _bed.IngestAsync(path);

        var datasetId = events[^1].GetProperty("dataset_id").GetString();
        Assert.Equal(
            [
                ("categories", 1, (int?)1, "Loaded 1 categories"),
                ("parsing_images", 1, 1, "Parsed 1 images"),
                ("parsing_annotations", 1, 1, "Parsed 1 annotations"),
                ("thumbnails", 0, 1, "Generated 0 thumbnails (1 errors)"),
                ("complete", 1, 1, $"Ingestion complete: 1 images, 1 annotations; 3 images skipped (file name outside the image directory) (dataset_id={datasetId})"),
            ],
            events.Select(Describe));
        Assert.Equal([["4", "sub/../inside.png"]], _bed.Query("SELECT id, file_name FROM samples"));
        Assert.Equal([["4", "4"]], _bed.Query("SELECT id, sample_id FROM annotations"));
    }

    [Fact]
    public async Task EmptyArraysAndMissingKeys_StillEmitEveryStage()
    {
        var path = _bed.WriteFile("empty.json", """{"images": [], "info": {}}""");

        var events = await _bed.IngestAsync(path, datasetName: "  ");

        var datasetId = events[^1].GetProperty("dataset_id").GetString();
        Assert.Equal(
            [
                ("categories", 0, (int?)0, "Loaded 0 categories"),
                ("parsing_images", 0, 0, "Parsed 0 images"),
                ("parsing_annotations", 0, 0, "Parsed 0 annotations"),
                ("thumbnails", 0, 0, "No images to generate thumbnails for"),
                ("complete", 0, 0, $"Ingestion complete: 0 images, 0 annotations (dataset_id={datasetId})"),
            ],
            events.Select(Describe));
        var dataset = await _bed.GetJsonAsync($"/datasets/{datasetId}");
        // A blank dataset_name counts as absent.
        Assert.Equal("empty", dataset.GetProperty("name").GetString());
        Assert.Equal(0, dataset.GetProperty("category_count").GetInt32());
    }

    [Fact]
    public async Task DeletingTheDataset_RemovesEveryRowTheIngestWrote()
    {
        var path = _bed.WriteFile("small.json", """
            {"categories": [{"id": 1, "name": "a"}], "images": [{"id": 1, "file_name": "x.png", "width": 2, "height": 2}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]}
            """);
        var datasetId = (await _bed.IngestAsync(path))[^1].GetProperty("dataset_id").GetString();

        using (var client = _bed.Api.CreateClient())
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/datasets/{datasetId}")).StatusCode);
        }

        Assert.Equal(0, _bed.CountAllRows());
    }

    internal static (string Stage, int Current, int? Total, string Message) Describe(JsonElement e) => (
        e.GetProperty("stage").GetString()!,
        e.GetProperty("current").GetInt32(),
        e.GetProperty("total").ValueKind == JsonValueKind.Null ? null : e.GetProperty("total").GetInt32(),
        e.GetProperty("message").GetString()!);

    internal static StringContent JsonBody(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    internal static partial Regex UuidV4();

    /// <summary>Contract §1.6: only <c>data: {json}\n\n</c> frames, one line each.</summary>
    [GeneratedRegex(@"\A(data: \{[^\n]*\}\n\n)+\z")]
    private static partial Regex DialectAFraming();
}
