using DataVisor.Api.AutoTagging;
using DataVisor.Tests.Infrastructure;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.AutoTagging;

/// <summary>The built-in tagger's measurements and words on drawn images, without the HTTP layer.</summary>
public sealed class BuiltInTaggerTests : IDisposable
{
    private readonly TempDirectory _temp = new("datavisor-autotag-unit");

    public static TheoryData<string, int, int> FamiliesAndSizes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var family in TaggingScenes.Families)
        {
            data.Add(family.Name, 640, 480);
            data.Add(family.Name, 1280, 960);
            data.Add(family.Name, 400, 300);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FamiliesAndSizes))]
    public void Each_family_gets_its_lighting_and_clarity_at_any_size(string familyName, int width, int height)
    {
        var family = TaggingScenes.Get(familyName);
        foreach (var seed in new[] { 11, 12, 13 })
        {
            var path = TaggingScenes.WriteJpeg(family.Draw(seed, width, height), _temp.Combine($"{familyName}-{seed}.jpg"));
            using var image = BuiltInTagger.Decode(path);
            Assert.NotNull(image);
            Assert.Equal(
                (family.Lighting, family.Clarity),
                (BuiltInTagger.Lighting(image.Measurements), BuiltInTagger.Clarity(image.Measurements)));
        }
    }

    [Fact]
    public void Measurements_are_stable_for_the_same_image()
    {
        var path = TaggingScenes.WriteJpeg(TaggingScenes.Get("noisy").Draw(5, 640, 480), _temp.Combine("same.jpg"));
        using var first = BuiltInTagger.Decode(path);
        using var second = BuiltInTagger.Decode(path);
        Assert.Equal(first!.Measurements, second!.Measurements);
    }

    [Fact]
    public void Images_are_measured_after_their_exif_orientation_at_the_working_size()
    {
        // Stored 640x480 with orientation 6 (rotate 90° clockwise to display): measured upright as 384x512.
        var rotated = _temp.Combine("rotated.jpg");
        TestImages.WriteJpeg(rotated, 640, 480, exifOrientation: 6);
        using var image = BuiltInTagger.Decode(rotated);
        Assert.NotNull(image);
        Assert.Equal((384, 512), (image.Measurements.Width, image.Measurements.Height));

        // Smaller images are measured as they are, never enlarged.
        var small = _temp.Combine("small.jpg");
        TestImages.WriteJpeg(small, 200, 100);
        using var smallImage = BuiltInTagger.Decode(small);
        Assert.Equal((200, 100), (smallImage!.Measurements.Width, smallImage.Measurements.Height));
    }

    [Fact]
    public void Missing_empty_and_truncated_files_are_unreadable()
    {
        Assert.Null(BuiltInTagger.Decode(_temp.Combine("missing.jpg")));
        File.WriteAllBytes(_temp.Combine("empty.jpg"), []);
        Assert.Null(BuiltInTagger.Decode(_temp.Combine("empty.jpg")));
        var whole = TaggingScenes.WriteJpeg(TaggingScenes.Neutral(1, 320, 240), _temp.Combine("whole.jpg"));
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(_temp.Combine("truncated.jpg"), bytes[..(bytes.Length / 2)]);
        Assert.Null(BuiltInTagger.Decode(_temp.Combine("truncated.jpg")));
    }

    [Theory]
    [InlineData(20, 0, "dark")]
    [InlineData(49, 0, "dark")]
    [InlineData(50, 0, "dim")]
    [InlineData(94, 0, "dim")]
    [InlineData(95, 0, "normal")]
    [InlineData(185, 0, "normal")]
    [InlineData(186, 0, "bright")]
    // A mid-grey picture with blown-out highlights over 30 % of it: mean 147, but over-exposed.
    [InlineData(100, 30, "bright")]
    [InlineData(100, 20, "normal")]
    public void Lighting_follows_mean_luma_and_blown_out_highlights(byte grey, int whitePercent, string expected)
    {
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(100, 100, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Premul));
        bitmap.Erase(new SkiaSharp.SKColor(grey, grey, grey));
        using (var canvas = new SkiaSharp.SKCanvas(bitmap))
        using (var white = new SkiaSharp.SKPaint { Color = SkiaSharp.SKColors.White })
        {
            canvas.DrawRect(0, 0, whitePercent, 100, white);
        }

        var measured = ImageMeasurements.Of(bitmap);
        Assert.Equal(expected, BuiltInTagger.Lighting(measured));
        // A flat picture has no detail at all.
        Assert.Equal(0, measured.NoiseSigma);
    }

    [Theory]
    [InlineData(" Outdoor.", "outdoor")]
    [InlineData("SUNNY", "sunny")]
    [InlineData("indoor\n", "indoor")]
    [InlineData("outdoors", null)]
    [InlineData("sunny..", null)]
    [InlineData("It is indoor.", null)]
    [InlineData("", null)]
    public void Model_answers_are_normalised_and_kept_only_inside_the_vocabulary(string answer, string? expected)
    {
        var dimension = expected is "sunny" ? AutoTagVocabulary.Weather : AutoTagVocabulary.Setting;
        Assert.Equal(expected, dimension.Normalise(answer));
    }

    public void Dispose() => _temp.Dispose();
}
