using System.Net;
using System.Text;
using System.Text.Json;

namespace DataVisor.Tests.Ingestion;

/// <summary>Request-level problems answer as JSON before any stream starts (contract §1.3, §1.6, §4.2).</summary>
public sealed class IngestValidationTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task MissingFields_Answer422WithOneItemPerField()
    {
        var (status, body) = await PostRawAsync("""{"dataset_name": "x"}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(
            """{"detail":[{"type":"missing","loc":["body","annotation_path"],"msg":"Field required","input":{"dataset_name":"x"}},{"type":"missing","loc":["body","image_dir"],"msg":"Field required","input":{"dataset_name":"x"}}]}""",
            Compact(body));
    }

    [Fact]
    public async Task MistypedFields_Answer422StringType()
    {
        var (status, body) = await PostRawAsync("""{"annotation_path": 5, "image_dir": "/x", "split": ["a"], "format": null}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(
            """{"detail":[{"type":"string_type","loc":["body","annotation_path"],"msg":"Input should be a valid string","input":5},{"type":"string_type","loc":["body","split"],"msg":"Input should be a valid string","input":["a"]}]}""",
            Compact(body));
    }

    [Theory]
    [InlineData("{not json", "json_invalid")]
    [InlineData("[1, 2]", "dict_type")]
    [InlineData("\"text\"", "dict_type")]
    [InlineData("", "missing")]
    public async Task BodiesThatAreNotObjects_Answer422(string raw, string expectedType)
    {
        var (status, body) = await PostRawAsync(raw);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var item = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("detail").EnumerateArray());
        Assert.Equal(expectedType, item.GetProperty("type").GetString());
        Assert.Equal("body", item.GetProperty("loc")[0].GetString());
        Assert.True(item.TryGetProperty("msg", out _) && item.TryGetProperty("input", out _));
    }

    [Fact]
    public async Task ContractMessages_Answer400()
    {
        var annotations = _bed.WriteFile("a.json", "{}");
        var missingFile = Path.Combine(_bed.DataDir, "missing.json");
        var missingDir = Path.Combine(_bed.DataDir, "no-images");

        Assert.Equal((HttpStatusCode.BadRequest, "Unsupported format: yolo"), await PostAsync(annotations, _bed.ImageDir, format: "yolo"));
        Assert.Equal((HttpStatusCode.BadRequest, $"Annotation file not found: {missingFile}"), await PostAsync(missingFile, _bed.ImageDir));
        Assert.Equal((HttpStatusCode.BadRequest, $"Image directory not found: {missingDir}"), await PostAsync(annotations, missingDir));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid split name 'bad/split'"), await PostAsync(annotations, _bed.ImageDir, split: "bad/split"));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid split name '_x'"), await PostAsync(annotations, _bed.ImageDir, split: "_x"));
        Assert.Equal((HttpStatusCode.BadRequest, "Cloud storage paths (gs://) are not supported"), await PostAsync("gs://bucket/a.json", _bed.ImageDir));
        // Paths are normalised before they are checked and reported.
        Assert.Equal(
            (HttpStatusCode.BadRequest, $"Annotation file not found: {missingFile}"),
            await PostAsync(Path.Combine(_bed.DataDir, "images", "..", "missing.json"), _bed.ImageDir + "/"));
        // No file can have a NUL in its path: not found, never a 500 from path normalisation.
        Assert.Equal((HttpStatusCode.BadRequest, $"Annotation file not found: {annotations}\0"), await PostAsync(annotations + "\0", _bed.ImageDir));
        Assert.Equal((HttpStatusCode.BadRequest, $"Image directory not found: \0{_bed.ImageDir}"), await PostAsync(annotations, "\0" + _bed.ImageDir));
        Assert.Equal(0, await _bed.CountDatasetsAsync());
    }

    [Fact]
    public async Task PathsOutsideTheDataRoots_Answer403BeforeExistenceIsChecked()
    {
        using var bed = new IngestTestBed(new Dictionary<string, string?> { ["DATAVISOR_DATA_ROOTS"] = "/nonexistent-root" });
        var annotations = bed.WriteFile("a.json", "{}");
        using var client = bed.Api.CreateClient();

        var outside = await Post(client, annotations, bed.ImageDir);
        var missingOutside = await Post(client, "/elsewhere/../missing.json", bed.ImageDir);

        Assert.Equal((HttpStatusCode.Forbidden, $"Path is outside the allowed data roots: {annotations}"), outside);
        Assert.Equal((HttpStatusCode.Forbidden, "Path is outside the allowed data roots: /missing.json"), missingOutside);
    }

    [Fact]
    public async Task PathsInsideTheDataRoots_AreAccepted()
    {
        using var bed = new IngestTestBed(new Dictionary<string, string?> { ["DATAVISOR_DATA_ROOTS"] = $"/nonexistent-root:{Path.GetTempPath()}" });
        var annotations = bed.WriteFile("a.json", """{"images": []}""");

        var events = await bed.IngestAsync(annotations);

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
    }

    private async Task<(HttpStatusCode, string)> PostAsync(string annotationPath, string imageDir, string? format = null, string? split = null)
    {
        using var client = _bed.Api.CreateClient();
        return await Post(client, annotationPath, imageDir, format, split);
    }

    private static async Task<(HttpStatusCode, string)> Post(HttpClient client, string annotationPath, string imageDir, string? format = null, string? split = null)
    {
        var response = await client.PostAsync("/datasets/ingest", CocoIngestTests.JsonBody(new { annotation_path = annotationPath, image_dir = imageDir, format, split }));
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("detail").GetString()!);
    }

    private async Task<(HttpStatusCode, string)> PostRawAsync(string raw)
    {
        using var client = _bed.Api.CreateClient();
        var response = await client.PostAsync("/datasets/ingest", new StringContent(raw, Encoding.UTF8, "application/json"));
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}
