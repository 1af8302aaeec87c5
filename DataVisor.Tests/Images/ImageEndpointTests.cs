using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Images;

/// <summary>R14 (contract §4.4): originals, and every 400 and 404 with its exact message.</summary>
public sealed class ImageEndpointTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    [Theory]
    [InlineData("a.jpg", "image/jpeg")]
    [InlineData("b.png", "image/png")]
    public async Task Original_IsTheFileUnchanged_WithValidatorsAndRanges(string fileName, string contentType)
    {
        var path = ImageDatasets.ImagePath(_bed, fileName);
        if (fileName.EndsWith(".png", StringComparison.Ordinal))
        {
            TestImages.WritePng(path, 120, 80);
        }
        else
        {
            TestImages.WriteJpeg(path, 120, 80, exifOrientation: 6);
        }

        var datasetId = await ImageDatasets.IngestAsync(_bed, (3, fileName));
        var url = $"/images/{datasetId}/3?size=original";
        using var client = _bed.Api.CreateClient();

        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(File.ReadAllBytes(path), bytes);
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeSeconds(), response.Content.Headers.LastModified?.ToUnixTimeSeconds());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(10, 19);
        using var partial = await client.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[10..20], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 10-19/{bytes.Length}", partial.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Thumbnail_AnswersNotModified_ForItsETag()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "a.jpg"), 300, 300);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "a.jpg"));
        using var client = _bed.Api.CreateClient();
        using var first = await client.GetAsync($"/images/{datasetId}/1?size=small");

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/images/{datasetId}/1?size=small");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await client.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Theory]
    [InlineData("huge")]
    [InlineData("")]
    [InlineData("Medium")]
    [InlineData("128")]
    [InlineData("small&size=large")]
    public async Task UnknownSize_Is400_BeforeAnyLookup(string size)
    {
        using var client = _bed.Api.CreateClient();

        using var response = await client.GetAsync($"/images/no-such-dataset/no-such-sample?size={size}");

        await AssertDetailAsync(response, HttpStatusCode.BadRequest, "size must be one of: small, medium, large, original");
    }

    [Fact]
    public async Task UnknownDatasetOrSample_Is404SampleNotFound()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "a.jpg"), 30, 30);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "a.jpg"));
        using var client = _bed.Api.CreateClient();

        foreach (var url in new[] { $"/images/{datasetId}/2", $"/images/{Guid.NewGuid()}/1?size=original", $"/api/images/{datasetId}/2?size=small" })
        {
            using var response = await client.GetAsync(url);
            await AssertDetailAsync(response, HttpStatusCode.NotFound, "Sample not found");
        }
    }

    [Theory]
    [InlineData("small")]
    [InlineData("original")]
    public async Task MissingFile_Is404ImageFileNotFound(string size)
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "gone.jpg"), 30, 30);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "gone.jpg"));
        File.Delete(ImageDatasets.ImagePath(_bed, "gone.jpg"));
        Directory.CreateDirectory(ImageDatasets.ImagePath(_bed, "folder.jpg"));
        var folderId = await ImageDatasets.IngestAsync(_bed, (1, "folder.jpg"));
        using var client = _bed.Api.CreateClient();

        using var missing = await client.GetAsync($"/images/{datasetId}/1?size={size}");
        using var folder = await client.GetAsync($"/images/{folderId}/1?size={size}");

        await AssertDetailAsync(missing, HttpStatusCode.NotFound, "Image file not found");
        await AssertDetailAsync(folder, HttpStatusCode.NotFound, "Image file not found");
    }

    [Fact]
    public async Task UndecodableOrTruncatedFile_Is404_ButItsOriginalIsServed()
    {
        File.WriteAllText(ImageDatasets.ImagePath(_bed, "text.jpg"), "not an image at all");
        File.WriteAllBytes(ImageDatasets.ImagePath(_bed, "empty.png"), []);
        var whole = ImageDatasets.ImagePath(_bed, "whole.jpg");
        TestImages.WriteJpeg(whole, 640, 480);
        var jpeg = File.ReadAllBytes(whole);
        File.WriteAllBytes(ImageDatasets.ImagePath(_bed, "truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "text.jpg"), (2, "empty.png"), (3, "truncated.jpg"));
        using var client = _bed.Api.CreateClient();

        foreach (var sample in new[] { 1, 2, 3 })
        {
            using var response = await client.GetAsync($"/images/{datasetId}/{sample}?size=medium");
            await AssertDetailAsync(response, HttpStatusCode.NotFound, "Image could not be decoded");
        }

        using var original = await client.GetAsync($"/images/{datasetId}/1?size=original");
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal("not an image at all", await original.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// D5: a stored name that leaves its folder (only possible by editing the database, since ingest
    /// rejects it) is never served, and neither is a folder outside the data roots.
    /// </summary>
    [Fact]
    public async Task EscapingFileNameOrFolderOutsideTheRoots_IsNeverServed()
    {
        using var bed = new IngestTestBed();
        TestImages.WriteJpeg(ImageDatasets.ImagePath(bed, "a.jpg"), 30, 30);
        TestImages.WriteJpeg(Path.Combine(bed.DataDir, "secret.jpg"), 30, 30);
        var outside = Directory.CreateDirectory(bed.Temp.Combine("outside")).FullName;
        TestImages.WriteJpeg(Path.Combine(outside, "a.jpg"), 30, 30);
        var datasetId = await ImageDatasets.IngestAsync(bed, (1, "a.jpg"), (2, "a.jpg"), (3, "a.jpg"));
        bed.Query($"""
            UPDATE samples SET file_name = CASE id WHEN '1' THEN '../secret.jpg' WHEN '2' THEN '{Path.Combine(bed.DataDir, "secret.jpg")}' ELSE file_name END,
                               image_dir = CASE id WHEN '3' THEN '{outside}' ELSE image_dir END
            """);

        using (var unrestricted = bed.Api.CreateClient())
        {
            foreach (var size in new[] { "original", "small" })
            {
                await AssertDetailAsync(await unrestricted.GetAsync($"/images/{datasetId}/1?size={size}"), HttpStatusCode.NotFound, "Image file not found");
                await AssertDetailAsync(await unrestricted.GetAsync($"/images/{datasetId}/2?size={size}"), HttpStatusCode.NotFound, "Image file not found");
            }

            // Without data roots the moved folder is a legitimate place.
            Assert.Equal(HttpStatusCode.OK, (await unrestricted.GetAsync($"/images/{datasetId}/3?size=original")).StatusCode);
        }

        // The same database, now served with the data folder as the only root.
        bed.Query("SELECT 1");
        using var api = new Infrastructure.ApiFactory(bed.Temp.Combine("state"), new Dictionary<string, string?> { ["DATAVISOR_DATA_ROOTS"] = bed.DataDir });
        using var client = api.CreateClient();
        foreach (var size in new[] { "original", "small" })
        {
            await AssertDetailAsync(await client.GetAsync($"/images/{datasetId}/3?size={size}"), HttpStatusCode.NotFound, "Image file not found");
        }
    }

    private static async Task AssertDetailAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(detail, body.RootElement.GetProperty("detail").GetString());
        Assert.Single(body.RootElement.EnumerateObject());
    }

    public void Dispose() => _bed.Dispose();
}
