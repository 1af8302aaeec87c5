using System.Net;
using DataVisor.Tests.Ingestion;
using SkiaSharp;

namespace DataVisor.Tests.Images;

/// <summary>R14 thumbnails (contract §4.4, §5.7): sizes, EXIF orientation, WebP, the per-dataset cache.</summary>
public sealed class ThumbnailTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    [Theory]
    [InlineData("small", 128, 72)]
    [InlineData("medium", 256, 144)]
    [InlineData("large", 512, 288)]
    [InlineData(null, 256, 144)]
    public async Task Thumbnail_HasTheLongestSideOfItsSize(string? size, int width, int height)
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "wide.jpg"), 1920, 1080);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "wide.jpg"));

        using var client = _bed.Api.CreateClient();
        using var response = await client.GetAsync($"/images/{datasetId}/1" + (size is null ? string.Empty : $"?size={size}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.ETag);
        Assert.NotNull(response.Headers.CacheControl?.MaxAge);
        using var thumbnail = ImageDatasets.DecodeWebp(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((width, height), (thumbnail.Width, thumbnail.Height));
        // The orange rectangle in the middle survives the resize.
        ImageDatasets.AssertRoughly(SKColors.Orange, thumbnail.GetPixel(width / 2, height / 2));
        ImageDatasets.AssertRoughly(SKColors.SteelBlue, thumbnail.GetPixel(2, 2));
    }

    [Fact]
    public async Task SmallImage_IsNeverUpscaled_AndTransparencyBecomesWhite()
    {
        // A PNG with a transparent half: §5.7 wants no alpha, composited over white.
        using (var bitmap = new SKBitmap(new SKImageInfo(100, 50, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            bitmap.Erase(SKColors.Transparent);
            using (var canvas = new SKCanvas(bitmap))
            using (var paint = new SKPaint { Color = SKColors.Green })
            {
                canvas.DrawRect(0, 0, 50, 50, paint);
            }

            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(ImageDatasets.ImagePath(_bed, "small.png"), data.ToArray());
        }

        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "small.png"));

        using var client = _bed.Api.CreateClient();
        var bytes = await client.GetByteArrayAsync($"/images/{datasetId}/1?size=large");

        using var thumbnail = ImageDatasets.DecodeWebp(bytes);
        Assert.Equal((100, 50), (thumbnail.Width, thumbnail.Height));
        ImageDatasets.AssertRoughly(SKColors.Green, thumbnail.GetPixel(10, 25));
        ImageDatasets.AssertRoughly(SKColors.White, thumbnail.GetPixel(90, 25));
    }

    [Fact]
    public async Task PaletteGreyAndSixteenBitSources_Work()
    {
        SourceFormats.WritePalettePng(ImageDatasets.ImagePath(_bed, "palette.png"), 300, 200);
        SourceFormats.WriteGreyJpeg(ImageDatasets.ImagePath(_bed, "grey.jpg"), 400, 400);
        SourceFormats.WriteSixteenBitPng(ImageDatasets.ImagePath(_bed, "deep.png"), 200, 600);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "palette.png"), (2, "grey.jpg"), (3, "deep.png"));
        using var client = _bed.Api.CreateClient();

        using (var palette = ImageDatasets.DecodeWebp(await client.GetByteArrayAsync($"/images/{datasetId}/1?size=small")))
        {
            Assert.Equal((128, 85), (palette.Width, palette.Height));
            ImageDatasets.AssertRoughly(new SKColor(0, 200, 0), palette.GetPixel(64, 10));
            ImageDatasets.AssertRoughly(SKColors.Magenta, palette.GetPixel(64, 75));
        }

        using (var grey = ImageDatasets.DecodeWebp(await client.GetByteArrayAsync($"/images/{datasetId}/2?size=small")))
        {
            Assert.Equal((128, 128), (grey.Width, grey.Height));
            ImageDatasets.AssertRoughly(SKColors.Black, grey.GetPixel(20, 64));
            ImageDatasets.AssertRoughly(SKColors.White, grey.GetPixel(108, 64));
        }

        using var deep = ImageDatasets.DecodeWebp(await client.GetByteArrayAsync($"/images/{datasetId}/3?size=small"));
        Assert.Equal((43, 128), (deep.Width, deep.Height));
        ImageDatasets.AssertRoughly(SKColors.Red, deep.GetPixel(20, 64));
    }

    /// <summary>
    /// The stored top-left quarter is red. Orientation 6 (rotate 90° clockwise) shows it top-right,
    /// 8 (rotate 90° counter-clockwise) bottom-left, 3 (180°) bottom-right; 1 leaves it where it is.
    /// </summary>
    [Theory]
    [InlineData(1, 256, 128, 0.25, 0.25)]
    [InlineData(3, 256, 128, 0.75, 0.75)]
    [InlineData(6, 128, 256, 0.75, 0.25)]
    [InlineData(8, 128, 256, 0.25, 0.75)]
    public async Task ExifOrientation_IsAppliedBeforeResizing(ushort orientation, int width, int height, double redX, double redY)
    {
        TestImages.WriteCornerMarkedJpeg(ImageDatasets.ImagePath(_bed, "turned.jpg"), 800, 400, orientation);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "turned.jpg"));

        using var client = _bed.Api.CreateClient();
        var bytes = await client.GetByteArrayAsync($"/images/{datasetId}/1?size=medium");

        using var thumbnail = ImageDatasets.DecodeWebp(bytes);
        Assert.Equal((width, height), (thumbnail.Width, thumbnail.Height));
        var red = (X: (int)(redX * width), Y: (int)(redY * height));
        ImageDatasets.AssertRoughly(SKColors.Red, thumbnail.GetPixel(red.X, red.Y));
        // The diagonally opposite quarter is blue.
        ImageDatasets.AssertRoughly(SKColors.Blue, thumbnail.GetPixel(width - 1 - red.X, height - 1 - red.Y));
    }

    [Fact]
    public async Task CacheHit_ServesTheSameBytes_FromAFileKeyedByDatasetAndSample()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "a.jpg"), 640, 480);
        TestImages.WritePng(ImageDatasets.ImagePath(_bed, "b.png"), 300, 600);
        // The same sample id "1" in two datasets, naming different files (D1).
        var first = await ImageDatasets.IngestAsync(_bed, (1, "a.jpg"));
        var second = await ImageDatasets.IngestAsync(_bed, (1, "b.png"));

        using var client = _bed.Api.CreateClient();
        var generated = await client.GetByteArrayAsync($"/images/{first}/1?size=small");
        var cached = await client.GetByteArrayAsync($"/images/{first}/1?size=small");
        var other = await client.GetByteArrayAsync($"/images/{second}/1?size=small");

        Assert.Equal(generated, cached);
        using (var a = ImageDatasets.DecodeWebp(generated))
        using (var b = ImageDatasets.DecodeWebp(other))
        {
            Assert.Equal((128, 96), (a.Width, a.Height));
            Assert.Equal((64, 128), (b.Width, b.Height));
        }

        var cacheFiles = Directory.GetFiles(_bed.Temp.Combine("state", "thumbnails"), "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(_bed.Temp.Combine("state", "thumbnails"), file))
            .Order(StringComparer.Ordinal)
            .ToList();
        // Ingest pre-generated the medium ones; the small ones were made on request.
        Assert.Equal(4, cacheFiles.Count(file => file.EndsWith(".webp", StringComparison.Ordinal)));
        Assert.Contains(cacheFiles, file => file.StartsWith(Path.Combine(first, "small") + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        Assert.Contains(cacheFiles, file => file.StartsWith(Path.Combine(second, "small") + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        Assert.Equal(generated, File.ReadAllBytes(Path.Combine(_bed.Temp.Combine("state", "thumbnails"), cacheFiles.Single(f => f.StartsWith(Path.Combine(first, "small"), StringComparison.Ordinal)))));
    }

    [Fact]
    public async Task SampleIdsWithAnyCharacters_GetFileSystemSafeCacheNames()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "a.jpg"), 200, 100);
        const string sampleId = "..:*<>|\"é 名前 .";
        var coco = System.Text.Json.JsonSerializer.Serialize(new { images = new[] { new { id = sampleId, file_name = "a.jpg" } } });
        var events = await _bed.IngestAsync(_bed.WriteFile("odd.json", coco));
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        using var client = _bed.Api.CreateClient();

        using var thumbnail = ImageDatasets.DecodeWebp(await client.GetByteArrayAsync($"/images/{datasetId}/{Uri.EscapeDataString(sampleId)}?size=small"));

        Assert.Equal((128, 64), (thumbnail.Width, thumbnail.Height));
        var cached = Path.GetFileName(Directory.GetFiles(Path.Combine(_bed.Temp.Combine("state", "thumbnails"), datasetId, "small")).Single());
        Assert.Matches("^[0-9a-f]{64}\\.webp$", cached);
    }

    [Fact]
    public async Task ConcurrentRequests_AllGetTheSameThumbnail_AndLeaveOneFile()
    {
        TestImages.WriteJpeg(ImageDatasets.ImagePath(_bed, "big.jpg"), 1920, 1080);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (7, "big.jpg"));

        using var client = _bed.Api.CreateClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.GetByteArrayAsync($"/images/{datasetId}/7?size=large")));

        Assert.All(responses, bytes => Assert.Equal(responses[0], bytes));
        var folder = Path.Combine(_bed.Temp.Combine("state", "thumbnails"), datasetId, "large");
        Assert.Single(Directory.GetFiles(folder));
        Assert.EndsWith(".webp", Directory.GetFiles(folder)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedSource_IsRenderedAgain()
    {
        var path = ImageDatasets.ImagePath(_bed, "c.jpg");
        TestImages.WriteJpeg(path, 400, 400);
        var datasetId = await ImageDatasets.IngestAsync(_bed, (1, "c.jpg"));
        using var client = _bed.Api.CreateClient();
        using (var before = ImageDatasets.DecodeWebp(await client.GetByteArrayAsync($"/images/{datasetId}/1?size=small")))
        {
            Assert.Equal((128, 128), (before.Width, before.Height));
        }

        TestImages.WriteJpeg(path, 400, 200);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));

        var rendered = await client.GetByteArrayAsync($"/images/{datasetId}/1?size=small");
        using var after = ImageDatasets.DecodeWebp(rendered);
        Assert.Equal((128, 64), (after.Width, after.Height));
        // Stamped no older than its (future-dated) source, so the next request is a cache hit.
        var cached = Directory.GetFiles(Path.Combine(_bed.Temp.Combine("state", "thumbnails"), datasetId, "small")).Single();
        Assert.True(File.GetLastWriteTimeUtc(cached) >= File.GetLastWriteTimeUtc(path));
        Assert.Equal(rendered, await client.GetByteArrayAsync($"/images/{datasetId}/1?size=small"));
    }

    [Fact]
    public async Task DefaultSizeAndQuality_FollowTheSettings()
    {
        using var bed = new IngestTestBed(new Dictionary<string, string?>
        {
            ["DATAVISOR_THUMBNAIL_DEFAULT_SIZE"] = "small",
            ["DATAVISOR_THUMBNAIL_WEBP_QUALITY"] = "5",
        });
        TestImages.WriteCornerMarkedJpeg(ImageDatasets.ImagePath(bed, "q.jpg"), 1024, 1024);
        var datasetId = await ImageDatasets.IngestAsync(bed, (1, "q.jpg"));

        using var client = bed.Api.CreateClient();
        var lowQuality = await client.GetByteArrayAsync($"/images/{datasetId}/1");
        var original = await client.GetByteArrayAsync($"/images/{datasetId}/1?size=original");

        using var thumbnail = ImageDatasets.DecodeWebp(lowQuality);
        Assert.Equal((128, 128), (thumbnail.Width, thumbnail.Height));
        // Quality 80 (the default) of the same picture, rendered in the default test bed, is larger.
        TestImages.WriteCornerMarkedJpeg(ImageDatasets.ImagePath(_bed, "q.jpg"), 1024, 1024);
        var defaultId = await ImageDatasets.IngestAsync(_bed, (1, "q.jpg"));
        using var defaultClient = _bed.Api.CreateClient();
        var defaultQuality = await defaultClient.GetByteArrayAsync($"/images/{defaultId}/1?size=small");
        Assert.True(lowQuality.Length < defaultQuality.Length, $"{lowQuality.Length} bytes at quality 5, {defaultQuality.Length} at 80");
        Assert.Equal(File.ReadAllBytes(ImageDatasets.ImagePath(bed, "q.jpg")), original);
    }

    public void Dispose() => _bed.Dispose();
}
