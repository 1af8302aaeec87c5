using DataVisor.Api.AutoTagging;
using DataVisor.Api.Configuration;
using DataVisor.Tests.EmbeddingJobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataVisor.Tests.AutoTagging;

/// <summary>The optional vision-language model (§6.13, D27) against a fake OpenAI-compatible endpoint.</summary>
public sealed class VisionModelTaggingTests
{
    [Fact]
    public async Task A_configured_model_adds_setting_weather_and_density_and_its_failures_do_not_stop_the_job()
    {
        await using var model = await FakeVisionModel.StartAsync();
        model.Answers["setting"] = " Outdoor.";
        model.Answers["weather"] = "SUNNY";
        // Outside the density vocabulary: dropped.
        model.Answers["density"] = "lots of people";
        // The dark image makes every call fail.
        model.FailBelowMeanLuma = 60;
        using var bed = new EmbeddingJobTestBed(settings: new Dictionary<string, string?>
        {
            ["DATAVISOR_VLM_MODEL"] = "fake-vlm",
            ["DATAVISOR_VLM_BASE_URL"] = model.BaseUrl,
        });
        foreach (var name in new[] { "neutral", "dark", "noisy" })
        {
            TaggingScenes.WriteJpeg(TaggingScenes.Get(name).Draw(31, 640, 480), Path.Combine(bed.ImageDir, $"{name}.jpg"));
        }

        var datasetId = await bed.IngestFilesAsync([("neutral.jpg", 640, 480), ("dark.jpg", 640, 480), ("noisy.jpg", 640, 480)]);
        var last = await AutoTagRoutes.RunAsync(bed, datasetId);
        Assert.Equal(("complete", "Tagged 3/3 samples"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));

        var tags = await AutoTagRoutes.TagsByFileAsync(bed, datasetId);
        Assert.Equal(["normal", "sharp", "outdoor", "sunny"], tags["neutral.jpg"]);
        Assert.Equal(["normal", "noisy", "outdoor", "sunny"], tags["noisy.jpg"]);
        Assert.Equal(["dark", "sharp"], tags["dark.jpg"]);

        // One question per dimension for each readable image, with the working-size JPEG attached; after a
        // failure the image's remaining questions are skipped.
        var asked = model.Asked.ToList();
        Assert.All(asked, question => Assert.Equal(("fake-vlm", 512, 384), (question.Model, question.ImageWidth, question.ImageHeight)));
        var bright = asked.Where(question => question.MeanLuma >= 60).ToList();
        Assert.Equal(2, bright.Count(question => question.Dimension == "setting"));
        Assert.Equal(2, bright.Count(question => question.Dimension == "weather"));
        Assert.Equal(2, bright.Count(question => question.Dimension == "density"));
        var dark = asked.Where(question => question.MeanLuma < 60).ToList();
        Assert.NotEmpty(dark);
        Assert.All(dark, question => Assert.Equal("setting", question.Dimension));
    }

    [Fact]
    public async Task An_unreachable_model_leaves_the_built_in_tags()
    {
        // A port nothing listens on: every call fails fast.
        var stopped = await FakeVisionModel.StartAsync();
        var deadUrl = stopped.BaseUrl;
        await stopped.DisposeAsync();
        using var bed = new EmbeddingJobTestBed(settings: new Dictionary<string, string?>
        {
            ["DATAVISOR_VLM_MODEL"] = "fake-vlm",
            ["DATAVISOR_VLM_BASE_URL"] = deadUrl,
        });
        TaggingScenes.WriteJpeg(TaggingScenes.Get("bright").Draw(3, 640, 480), Path.Combine(bed.ImageDir, "bright.jpg"));
        var datasetId = await bed.IngestFilesAsync([("bright.jpg", 640, 480)]);

        var last = await AutoTagRoutes.RunAsync(bed, datasetId);
        Assert.Equal(("complete", "Tagged 1/1 samples"), (last.GetProperty("status").GetString(), last.GetProperty("message").GetString()));
        Assert.Equal(["bright", "sharp"], (await AutoTagRoutes.TagsByFileAsync(bed, datasetId))["bright.jpg"]);
    }

    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData("gpt-4o", null, null, false)]
    [InlineData("gpt-4o", null, "sk-test", true)]
    [InlineData("llava", "http://127.0.0.1:9/v1", null, true)]
    [InlineData(null, "http://127.0.0.1:9/v1", "sk-test", false)]
    public void The_model_is_used_only_when_named_and_reachable_with_credentials(string? model, string? baseUrl, string? apiKey, bool configured)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATAVISOR_VLM_MODEL"] = model,
            ["DATAVISOR_VLM_BASE_URL"] = baseUrl,
            ["OPENAI_API_KEY"] = apiKey,
        }).Build();
        var options = Microsoft.Extensions.Options.Options.Create(DataVisorOptionsReader.Read(configuration, Path.GetTempPath()));
        using var tagger = new VisionLanguageTagger(options, configuration, NullLogger<VisionLanguageTagger>.Instance);
        Assert.Equal(configured, tagger.IsConfigured);
        Assert.Equal(configured ? model : null, tagger.ModelName);
    }
}
