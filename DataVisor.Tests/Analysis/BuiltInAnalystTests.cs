using System.Net;
using System.Text.Json;
using DataVisor.Tests.Editing;

namespace DataVisor.Tests.Analysis;

/// <summary>One generated dataset with a prediction run per planted pattern (see <see cref="AnalysisDatasets"/>).</summary>
public sealed class PlantedPatternsFixture : IAsyncLifetime
{
    public EditingTestBed Bed { get; } = new();

    public string DatasetId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var datasets = new AnalysisDatasets(Bed);
        DatasetId = await datasets.IngestAsync();

        // Every box found with its own class at 0.95.
        await datasets.ImportRunAsync(DatasetId, "clean", (_, _, cls) => new(cls, 0.95));

        // Both boxes of the 20 dark images missed (40 FN), plus box 1 of images 21…30 (10 FN).
        await datasets.ImportRunAsync(DatasetId, "dark_fn", (id, box, cls) => id <= 20 || (id <= 30 && box == 1) ? null : new(cls, 0.95));

        // The first 25 cat boxes predicted as dog, the first 5 dog boxes as cat, the first 3 car boxes as cat.
        var relabelled = new Dictionary<string, int> { ["cat"] = 0, ["dog"] = 0, ["car"] = 0 };
        var limits = new Dictionary<string, (int Count, string As)> { ["cat"] = (25, "dog"), ["dog"] = (5, "cat"), ["car"] = (3, "cat") };
        await datasets.ImportRunAsync(DatasetId, "label_mix", (_, _, cls) =>
        {
            if (relabelled[cls] == limits[cls].Count)
            {
                return new(cls, 0.95);
            }

            relabelled[cls]++;
            return new(limits[cls].As, 0.95);
        });

        // 41 of the 67 car boxes missed (every car box whose index among car boxes is 0, 1 or 2 mod 5), spread evenly.
        var carBoxes = 0;
        await datasets.ImportRunAsync(DatasetId, "weak_car", (_, _, cls) => cls == "car" && carBoxes++ % 5 < 3 ? null : new(cls, 0.95));

        // Every box found; plus a background dog at 0.97 on images 41…70 and a background cat at 0.6 on 71…80.
        await datasets.ImportRunAsync(DatasetId, "confident_fp", (_, _, cls) => new(cls, 0.95),
            id => id is > 40 and <= 70 ? new("dog", 0.97) : id is > 70 and <= 80 ? new("cat", 0.6) : null);

        // 60% of the boxes (those with (2·id + box) mod 5 < 3) found at 0.35, the rest at 0.95.
        await datasets.ImportRunAsync(DatasetId, "low_conf", (id, box, cls) => new(cls, (2 * id + box) % 5 < 3 ? 0.35 : 0.95));
    }

    public Task DisposeAsync()
    {
        Bed.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>R32's built-in analyst (contract §6.12, D27) on planted patterns, through HTTP.</summary>
public sealed class BuiltInAnalystTests(PlantedPatternsFixture fixture) : IClassFixture<PlantedPatternsFixture>
{
    private async Task<JsonAnswer> AnalyseAsync(string? body) =>
        await fixture.Bed.SendAsync(HttpMethod.Post, $"/datasets/{fixture.DatasetId}/analyze", body);

    private static List<JsonElement> Items(JsonElement report, string name) => [.. report.GetProperty(name).EnumerateArray()];

    [Fact]
    public async Task FalseNegativesOnDarkImages_AreReportedWithTheirShares()
    {
        var answer = await AnalyseAsync("""{"source": "dark_fn"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var pattern = Assert.Single(Items(answer.Json, "patterns"));
        Assert.Equal("80% of false negatives occur on images tagged 'dark', which are 20% of the images", pattern.GetProperty("pattern").GetString());
        Assert.Equal(
            "40 of 50 false negatives are on images tagged 'dark'; 20 of the 30 images with false negatives carry the tag (67%) against 20 of 100 images overall (20%), a lift of 3.33.",
            pattern.GetProperty("evidence").GetString());
        Assert.Equal("high", pattern.GetProperty("severity").GetString());
        Assert.Equal("[]", pattern.GetProperty("affected_classes").GetRawText());

        var recommendations = Items(answer.Json, "recommendations");
        Assert.Equal(["data_collection", "augmentation"], recommendations.Select(r => r.GetProperty("category").GetString()));
        Assert.All(recommendations, r => Assert.Equal("high", r.GetProperty("priority").GetString()));
        Assert.Contains("'dark'", recommendations[0].GetProperty("action").GetString());
        Assert.StartsWith(
            "Analysed 100 images for source 'dark_fn' at IoU 0.5 and confidence 0.25: 150 true positives, 0 hard false positives, 0 label errors, 50 false negatives. Found 1 pattern (1 high severity)",
            answer.Json.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task LabelErrorsBetweenTwoClasses_NameThePairAndItsShare()
    {
        var answer = await AnalyseAsync("""{"source": "label_mix", "iou_threshold": "0.5", "conf_threshold": 0.25}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var patterns = Items(answer.Json, "patterns");
        var pair = Assert.Single(patterns, p => p.GetProperty("pattern").GetString()!.Contains("absorb", StringComparison.Ordinal));
        Assert.Equal("'cat' and 'dog' absorb 91% of all label errors", pair.GetProperty("pattern").GetString());
        Assert.Equal("30 of 33 label errors are between 'cat' and 'dog' (25 'cat' predicted as 'dog', 5 'dog' predicted as 'cat').", pair.GetProperty("evidence").GetString());
        Assert.Equal("""["cat","dog"]""", pair.GetProperty("affected_classes").GetRawText());
        Assert.Equal("high", pair.GetProperty("severity").GetString());
        Assert.Contains(Items(answer.Json, "recommendations"),
            r => r.GetProperty("category").GetString() == "labeling" && r.GetProperty("action").GetString()!.Contains("'cat' and 'dog'", StringComparison.Ordinal));
        // The pair sends a quarter of the cat boxes elsewhere, which also makes 'cat' the weak class.
        Assert.Contains(patterns, p => p.GetProperty("pattern").GetString()!.StartsWith("Class 'cat' performs far below the others", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TruePositivesAtLowConfidence_GiveAHyperparameterRecommendation()
    {
        var answer = await AnalyseAsync("""{"source": "low_conf"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var pattern = Assert.Single(Items(answer.Json, "patterns"));
        Assert.Equal("True positives cluster at low confidence: 60% score below 0.5", pattern.GetProperty("pattern").GetString());
        Assert.Equal("120 of 200 true positives have confidence in [0.25, 0.5); 0 false negatives remain at threshold 0.25.", pattern.GetProperty("evidence").GetString());
        var recommendation = Assert.Single(Items(answer.Json, "recommendations"));
        Assert.Equal("hyperparameter", recommendation.GetProperty("category").GetString());
        Assert.Equal("high", recommendation.GetProperty("priority").GetString());

        // Above the cluster the same predictions are simply missed: no TP is left below 0.5, so no such pattern.
        var strict = await AnalyseAsync("""{"source": "low_conf", "conf_threshold": 0.5}""");
        Assert.DoesNotContain(Items(strict.Json, "patterns"), p => p.GetProperty("pattern").GetString()!.Contains("low confidence", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClassFarBelowTheOthers_IsNamedWithItsApAndMissRate()
    {
        var answer = await AnalyseAsync("""{"source": "weak_car"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var pattern = Assert.Single(Items(answer.Json, "patterns"));
        Assert.Equal("Class 'car' performs far below the others: 61% of its ground-truth boxes are missed or mislabelled (median 0%)", pattern.GetProperty("pattern").GetString());
        // 26 TPs at precision 1 reach recall 26/67 = 0.388: 39 of the 101 recall levels, AP 0.386.
        Assert.Equal(
            "AP 0.39 against a median of 1; 26 of 67 ground-truth boxes found with the right label, over 3 classes with at least 10 ground-truth boxes.",
            pattern.GetProperty("evidence").GetString());
        Assert.Equal("""["car"]""", pattern.GetProperty("affected_classes").GetRawText());
        Assert.Equal("high", pattern.GetProperty("severity").GetString());
        var recommendation = Assert.Single(Items(answer.Json, "recommendations"));
        Assert.Equal("data_collection", recommendation.GetProperty("category").GetString());
    }

    [Fact]
    public async Task ConfidentHardFalsePositives_PointAtMissingLabels()
    {
        var answer = await AnalyseAsync("""{"source": "confident_fp"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var pattern = Assert.Single(Items(answer.Json, "patterns"));
        Assert.Equal("75% of hard false positives have confidence of at least 0.9", pattern.GetProperty("pattern").GetString());
        Assert.Equal("30 of 40 hard false positives score ≥ 0.9; by class: 'dog' 30.", pattern.GetProperty("evidence").GetString());
        Assert.Equal("""["dog"]""", pattern.GetProperty("affected_classes").GetRawText());
        Assert.Equal("high", pattern.GetProperty("severity").GetString());
        var recommendation = Assert.Single(Items(answer.Json, "recommendations"));
        Assert.Equal("labeling", recommendation.GetProperty("category").GetString());
    }

    [Fact]
    public async Task CleanRun_HasNoPatterns()
    {
        var answer = await AnalyseAsync("""{"source": "clean"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            """{"patterns":[],"recommendations":[],"summary":"Analysed 100 images for source 'clean' at IoU 0.5 and confidence 0.25: 200 true positives, 0 hard false positives, 0 label errors, 0 false negatives. No significant error patterns found: no tag, class, label-confusion or confidence effect passed the support and effect-size thresholds."}""",
            answer.Text);
    }

    [Fact]
    public async Task SameInput_SameReport()
    {
        var first = await AnalyseAsync("""{"source": "label_mix"}""");
        var second = await AnalyseAsync("""{"source": "label_mix"}""");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task GroundTruthAgainstItself_IsAnalysedToo()
    {
        // Null confidences count as 1.0: every box is a true positive, nothing to report.
        var answer = await AnalyseAsync("""{"source": "ground_truth"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Empty(Items(answer.Json, "patterns"));
    }
}
