using System.Text.Json;

namespace DataVisor.Tests.Ingestion;

/// <summary>Problems found in the file end the stream with an error event and leave nothing behind (§5.1.1, §5.1.2, D4).</summary>
public sealed class IngestFailureTests : IDisposable
{
    private const string ValidTail = """
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]
        """;

    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task InvalidJson_NamesFileAndPosition()
    {
        var path = _bed.WriteFile("bad.json", "{\n  \"images\": [\n    {\"id\": 1, \"file_name\": oops}\n  ]\n}");

        var message = await SingleErrorAsync(path);

        Assert.StartsWith($"Invalid JSON in {path}: ", message);
        Assert.Equal($"Invalid JSON in {path}: 'o' is an invalid start of a value (line 3, column 28, near byte offset 43)", message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(60)]
    [InlineData(130)]
    public async Task TruncatedFile_IsInvalidJson(int keptBytes)
    {
        var whole = $$"""{"images": [{"id": 1, "file_name": "a.png", "width": 2, "height": 2}], {{ValidTail}}}""";
        var path = _bed.WriteFile("truncated.json", whole[..keptBytes]);

        Assert.StartsWith($"Invalid JSON in {path}: ", await SingleErrorAsync(path, allowEarlierEvents: true));
    }

    [Fact]
    public async Task TrailingContentAfterTheRootObject_IsInvalidJson()
    {
        var path = _bed.WriteFile("trailing.json", """{"images": []} {"images": []}""");

        Assert.StartsWith($"Invalid JSON in {path}: ", await SingleErrorAsync(path));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"coco\"")]
    public async Task TopLevelValueOfTheWrongKind_IsNotCoco(string content)
    {
        var path = _bed.WriteFile("array.json", content);

        Assert.Equal($"Not a COCO annotation file: {path}", await SingleErrorAsync(path));
    }

    [Theory]
    [InlineData("""{"file_name": "a.png"}""", "Image without id in {0} (images[1])")]
    [InlineData("""{"id": null, "file_name": "a.png"}""", "Image without id in {0} (images[1])")]
    [InlineData("""{"id": 2}""", "Image without file_name in {0} (images[1])")]
    [InlineData("""{"id": 2, "file_name": 7}""", "Image without file_name in {0} (images[1])")]
    [InlineData("""{"id": true, "file_name": "b.png"}""", "Invalid image id in {0} (images[1]): an id must be a string or a number")]
    [InlineData("""{"id": "a/b", "file_name": "b.png"}""", "Invalid image id 'a/b' in {0} (images[1]): ids must not be empty or contain /, \\, ?, #, % or control characters")]
    [InlineData("""{"id": "", "file_name": "b.png"}""", "Invalid image id '' in {0} (images[1]): ids must not be empty or contain /, \\, ?, #, % or control characters")]
    [InlineData("""{"id": "50%", "file_name": "b.png"}""", "Invalid image id '50%' in {0} (images[1]): ids must not be empty or contain /, \\, ?, #, % or control characters")]
    [InlineData("""{"id": 1, "file_name": "b.png"}""", "Duplicate image id '1' in {0}")]
    [InlineData("""{"id": "1", "file_name": "b.png"}""", "Duplicate image id '1' in {0}")]
    public async Task BadImages_EndTheStreamWithAnError(string secondImage, string expected)
    {
        var path = _bed.WriteFile("images.json", $$"""{"images": [{"id": 1, "file_name": "a.png", "width": 2, "height": 2}, {{secondImage}}], {{ValidTail}}}""");

        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, path), await SingleErrorAsync(path, allowEarlierEvents: true));
    }

    [Fact]
    public async Task AnnotationIdNotAllowedInUrls_EndsTheStreamWithAnError()
    {
        var path = _bed.WriteFile("ann.json", """
            {"images": [{"id": 1, "file_name": "a.png", "width": 2, "height": 2}],
             "annotations": [{"id": "x?y", "image_id": 1, "category_id": 1}]}
            """);

        Assert.Equal(
            $"Invalid annotation id 'x?y' in {path} (annotations[0]): ids must not be empty or contain /, \\, ?, #, % or control characters",
            await SingleErrorAsync(path, allowEarlierEvents: true));
    }

    [Fact]
    public async Task SectionsThatAreNotArrays_OrDuplicated_AreRejected()
    {
        var notArray = _bed.WriteFile("not-array.json", """{"images": {"id": 1}}""");
        var duplicated = _bed.WriteFile("dup.json", """{"images": [], "images": []}""");

        Assert.Equal($"Invalid COCO annotation file {notArray}: \"images\" is not an array", await SingleErrorAsync(notArray));
        Assert.Equal($"Invalid COCO annotation file {duplicated}: duplicate \"images\" key", await SingleErrorAsync(duplicated, allowEarlierEvents: true));
    }

    /// <summary>
    /// Runs the ingest, checks that the stream ended with exactly one error event in the contract's shape
    /// and that no row of any kind remains, and returns the error message.
    /// </summary>
    private async Task<string> SingleErrorAsync(string path, bool allowEarlierEvents = false)
    {
        var events = await _bed.IngestAsync(path);

        var error = events[^1];
        Assert.Equal("error", error.GetProperty("stage").GetString());
        Assert.Equal(0, error.GetProperty("current").GetInt32());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("total").ValueKind);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("dataset_id").ValueKind);
        Assert.Single(events, e => e.GetProperty("stage").GetString() is "error" or "complete");
        if (!allowEarlierEvents)
        {
            Assert.Single(events);
        }

        Assert.Equal(0, await _bed.CountDatasetsAsync());
        Assert.Equal(0, _bed.CountAllRows());
        return error.GetProperty("message").GetString()!;
    }
}
