using System.Net;
using System.Text.RegularExpressions;

namespace DataVisor.Tests.Editing;

public sealed partial class GroundTruthEditTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Create_StoresGroundTruthAfterEveryExistingRow_AndUpdatesCounters()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        PlantPredictions(datasetId);
        Assert.Equal((3L, 0L, 3L, 3L), await _bed.CountersAsync(datasetId));

        // Numbers may arrive as numeric strings (§1.2).
        var created = await _bed.SendAsync(HttpMethod.Post, "/annotations",
            $$"""{"dataset_id": "{{datasetId}}", "sample_id": "3", "category_name": "zebra", "bbox_x": 1.5, "bbox_y": "2", "bbox_w": 4, "bbox_h": "2.5"}""");

        Assert.Equal(HttpStatusCode.OK, created.Status);
        var id = created.Json.GetProperty("id").GetString()!;
        Assert.Matches(UuidV4(), id);
        Assert.Equal($$"""{"id":"{{id}}"}""", created.Text);
        // Declared cat, dog, bird ∪ ground truth cat, dog, zebra; the predictions' "giraffe" does not count.
        Assert.Equal((4L, 2L, 4L, 3L), await _bed.CountersAsync(datasetId));

        var row = Assert.Single(_bed.Bed.Query(
            $"SELECT dataset_id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, source, confidence, seq FROM annotations WHERE id = '{id}'"));
        Assert.Equal([datasetId, "3", "zebra", 1.5, 2.0, 4.0, 2.5, 10.0, false, "ground_truth", null], row[..11]);
        var lastBefore = EditingTestBed.Long(_bed.Bed.Query($"SELECT max(seq) FROM annotations WHERE dataset_id = '{datasetId}' AND id <> '{id}'").Single()[0]);
        Assert.Equal(lastBefore + 1, EditingTestBed.Long(row[11]));
    }

    [Fact]
    public async Task Create_ChecksDatasetThenSampleThenValues()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var cases = new (string Dataset, string Sample, string Category, double Width, HttpStatusCode Status, string Detail)[]
        {
            ("unknown", "999", "", -1, HttpStatusCode.NotFound, "Dataset not found"),
            (datasetId, "999", "", -1, HttpStatusCode.NotFound, "Sample not found"),
            (datasetId, "1", "", -1, HttpStatusCode.BadRequest, "category_name must not be empty"),
            (datasetId, "1", "cat", -1, HttpStatusCode.BadRequest, "bbox_w and bbox_h must not be negative"),
        };

        foreach (var (dataset, sample, category, width, status, detail) in cases)
        {
            var answer = await _bed.SendAsync(HttpMethod.Post, "/annotations", new
            {
                dataset_id = dataset, sample_id = sample, category_name = category, bbox_x = 0, bbox_y = 0, bbox_w = width, bbox_h = 1,
            });
            Assert.Equal(status, answer.Status);
            Assert.Equal(detail, answer.Detail);
        }

        Assert.Equal((3L, 0L, 3L, 3L), await _bed.CountersAsync(datasetId));
        Assert.Equal(3L, EditingTestBed.Long(_bed.Bed.Query("SELECT count(*) FROM annotations").Single()[0]));
    }

    [Fact]
    public async Task Create_MalformedBody_Answers422PerField()
    {
        var answer = await _bed.SendAsync(HttpMethod.Post, "/annotations",
            """{"dataset_id": "d", "sample_id": "1", "category_name": 7, "bbox_x": "left", "bbox_y": true, "bbox_w": 1}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
        Assert.Equal(
            [
                ("string_type", """["body","category_name"]"""),
                ("float_parsing", """["body","bbox_x"]"""),
                ("float_type", """["body","bbox_y"]"""),
                ("missing", """["body","bbox_h"]"""),
            ],
            answer.Json.GetProperty("detail").EnumerateArray().Select(i => (i.GetProperty("type").GetString(), i.GetProperty("loc").GetRawText())));
        Assert.Equal("left", answer.Json.GetProperty("detail")[1].GetProperty("input").GetString());
    }

    [Fact]
    public async Task RenameCategory_UpdatesRowAndCategoryCount()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var renamed = await _bed.SendAsync(HttpMethod.Patch, "/annotations/11/category", new { category_name = "wolf" });

        Assert.Equal(HttpStatusCode.OK, renamed.Status);
        Assert.Equal("""{"updated":"11","category_name":"wolf"}""", renamed.Text);
        Assert.Equal((3L, 0L, 4L, 3L), await _bed.CountersAsync(datasetId));

        var empty = await _bed.SendAsync(HttpMethod.Patch, "/annotations/11/category", new { category_name = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.Equal("category_name must not be empty", empty.Detail);

        var missing = await _bed.SendAsync(HttpMethod.Patch, "/annotations/11/category", "{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.Status);
        Assert.Equal("""["body","category_name"]""", missing.Json.GetProperty("detail")[0].GetProperty("loc").GetRawText());

        Assert.Equal("wolf", _bed.Bed.Query("SELECT category_name FROM annotations WHERE id = '11'").Single()[0]);
    }

    [Fact]
    public async Task MoveBox_SetsBoxAndArea_RejectsNegativeSizes()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var moved = await _bed.SendAsync(HttpMethod.Put, "/annotations/12", new { bbox_x = 2.5, bbox_y = 3, bbox_w = 6, bbox_h = 0.5 });
        Assert.Equal(HttpStatusCode.OK, moved.Status);
        Assert.Equal("""{"updated":"12"}""", moved.Text);

        var negative = await _bed.SendAsync(HttpMethod.Put, "/annotations/12", new { bbox_x = 0, bbox_y = 0, bbox_w = 1, bbox_h = -0.1 });
        Assert.Equal(HttpStatusCode.BadRequest, negative.Status);
        Assert.Equal("bbox_w and bbox_h must not be negative", negative.Detail);

        var incomplete = await _bed.SendAsync(HttpMethod.Put, "/annotations/12", new { bbox_x = 0, bbox_y = 0, bbox_w = 1 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, incomplete.Status);
        Assert.Equal("""["body","bbox_h"]""", incomplete.Json.GetProperty("detail")[0].GetProperty("loc").GetRawText());

        Assert.Equal((3L, 0L, 3L, 3L), await _bed.CountersAsync(datasetId));
        Assert.Equal([2.5, 3.0, 6.0, 0.5, 3.0], _bed.Bed.Query("SELECT bbox_x, bbox_y, bbox_w, bbox_h, area FROM annotations WHERE id = '12'").Single());
    }

    [Fact]
    public async Task PredictionsAndUnknownIds_AreNotEditable_AndNothingChanges()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        PlantPredictions(datasetId);
        var before = PredictionRows();

        foreach (var id in new[] { "pred-1", "does-not-exist" })
        {
            var answers = new[]
            {
                await _bed.SendAsync(HttpMethod.Patch, $"/annotations/{id}/category", new { category_name = "dog" }),
                await _bed.SendAsync(HttpMethod.Put, $"/annotations/{id}", new { bbox_x = 0, bbox_y = 0, bbox_w = 1, bbox_h = 1 }),
                await _bed.SendAsync(HttpMethod.Delete, $"/annotations/{id}"),
            };
            Assert.All(answers, answer =>
            {
                Assert.Equal(HttpStatusCode.NotFound, answer.Status);
                Assert.Equal("""{"detail":"Annotation not found or not editable"}""", answer.Text);
            });
        }

        Assert.Equal(before, PredictionRows());
    }

    [Fact]
    public async Task Delete_RemovesRowAndOverride_MarkerStaysUntilTheLastOverrideGoes()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        PlantPredictions(datasetId);
        _bed.Execute($"""
            INSERT INTO annotation_triage VALUES
                ('{datasetId}', '10', '1', 'fp', TIMESTAMP '2026-01-01 00:00:00'),
                ('{datasetId}', 'pred-1', '1', 'tp', TIMESTAMP '2026-01-01 00:00:00');
            UPDATE samples SET tags = ['user', 'triage:annotated', 'triage:fp'] WHERE dataset_id = '{datasetId}' AND id = '1';
            """);

        var deleted = await _bed.SendAsync(HttpMethod.Delete, "/annotations/10");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Equal("""{"deleted":"10"}""", deleted.Text);
        Assert.Equal((2L, 2L, 3L, 3L), await _bed.CountersAsync(datasetId));
        // The prediction's override still stands, so the marker stays.
        Assert.Equal(["user", "triage:annotated", "triage:fp"], _bed.Tags(datasetId, "1"));
        Assert.Equal(["pred-1"], _bed.Bed.Query("SELECT annotation_id FROM annotation_triage").Select(r => r[0]));

        _bed.Execute("DELETE FROM annotation_triage WHERE annotation_id = 'pred-1'");
        _bed.Execute($"INSERT INTO annotation_triage VALUES ('{datasetId}', '11', '1', 'mistake', TIMESTAMP '2026-01-01 00:00:00')");
        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Delete, "/annotations/11")).Status);

        Assert.Equal(["user", "triage:fp"], _bed.Tags(datasetId, "1"));
        Assert.Empty(_bed.Bed.Query("SELECT * FROM annotation_triage"));
        Assert.Equal((1L, 2L, 3L, 3L), await _bed.CountersAsync(datasetId));

        var again = await _bed.SendAsync(HttpMethod.Delete, "/annotations/11");
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
        Assert.Equal("Annotation not found or not editable", again.Detail);
    }

    [Fact]
    public async Task DeletingTheLastGroundTruthOfAnUndeclaredCategory_LowersCategoryCount()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var id = (await _bed.SendAsync(HttpMethod.Post, "/annotations", new
        {
            dataset_id = datasetId, sample_id = "2", category_name = "yak", bbox_x = 0, bbox_y = 0, bbox_w = 0, bbox_h = 0,
        })).Json.GetProperty("id").GetString();
        Assert.Equal((4L, 0L, 4L, 3L), await _bed.CountersAsync(datasetId));

        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Delete, $"/annotations/{id}")).Status);

        Assert.Equal((3L, 0L, 3L, 3L), await _bed.CountersAsync(datasetId));
    }

    /// <summary>Two rows of a prediction run (R6 is another feature): not editable, counted as predictions.</summary>
    private void PlantPredictions(string datasetId) => _bed.Execute($"""
        INSERT INTO annotations VALUES
            ('pred-1', '{datasetId}', '1', 'cat', 1, 2, 3, 4, 12, false, 'run_a', 0.9, 0),
            ('pred-2', '{datasetId}', '2', 'giraffe', 0, 0, 5, 5, 25, false, 'run_a', NULL, 1);
        """);

    private List<string> PredictionRows() =>
        _bed.Bed.Query("SELECT * FROM annotations WHERE source <> 'ground_truth' ORDER BY id")
            .Select(row => string.Join('|', row.Select(value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture))))
            .ToList();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();
}
