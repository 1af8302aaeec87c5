using System.Text.Json;
using DataVisor.Tests.Ingestion;
using SkiaSharp;

namespace DataVisor.Tests.Images;

/// <summary>Datasets for the image tests: a COCO file listing the given files, ingested through R2.</summary>
internal static class ImageDatasets
{
    /// <summary>Ingests images <c>(id, file_name)</c> of <see cref="IngestTestBed.ImageDir"/>; returns the dataset id.</summary>
    public static async Task<string> IngestAsync(IngestTestBed bed, params (int Id, string FileName)[] images)
    {
        var coco = new
        {
            images = images.Select(image => new { id = image.Id, file_name = image.FileName }),
            annotations = Array.Empty<object>(),
            categories = new[] { new { id = 1, name = "thing" } },
        };
        var path = bed.WriteFile($"coco-{Guid.NewGuid():N}.json", JsonSerializer.Serialize(coco));
        var events = await bed.IngestAsync(path);
        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        return events[^1].GetProperty("dataset_id").GetString()!;
    }

    public static string ImagePath(IngestTestBed bed, string fileName) => Path.Combine(bed.ImageDir, fileName);

    /// <summary>Decodes a served WebP, after checking that it is one.</summary>
    public static SKBitmap DecodeWebp(byte[] bytes)
    {
        using var codec = SKCodec.Create(new MemoryStream(bytes));
        Assert.NotNull(codec);
        Assert.Equal(SKEncodedImageFormat.Webp, codec.EncodedFormat);
        return SKBitmap.Decode(bytes);
    }

    public static void AssertRoughly(SKColor expected, SKColor actual)
    {
        const int tolerance = 60;
        Assert.True(
            Math.Abs(expected.Red - actual.Red) <= tolerance
            && Math.Abs(expected.Green - actual.Green) <= tolerance
            && Math.Abs(expected.Blue - actual.Blue) <= tolerance,
            $"Expected about {expected}, got {actual}");
    }
}
