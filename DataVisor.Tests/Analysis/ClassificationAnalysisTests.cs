using System.Globalization;
using System.Net;
using System.Text.Json;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Analysis;

/// <summary>R32 on a classification dataset: §6.7's outcomes feed the same miners.</summary>
public sealed class ClassificationAnalysisTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task MisclassificationsBetweenTwoLabels_AreReported()
    {
        // 60 images, 20 each of cat, dog and bird; 12 of the cats predicted as dog, everything else right.
        string[] labels = ["cat", "dog", "bird"];
        var truth = Enumerable.Range(0, 60).Select(i => labels[i % 3]).ToArray();
        for (var i = 0; i < truth.Length; i++)
        {
            TestImages.WritePng(Path.Combine(_bed.Bed.ImageDir, $"c{i}.png"), 8, 8);
        }

        var path = _bed.Bed.WriteFile("labels.jsonl", string.Join('\n', truth.Select((label, i) => JsonSerializer.Serialize(new { filename = $"c{i}.png", label }))) + "\n");
        var events = await _bed.Bed.IngestAsync(path);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        var cats = 0;
        var predictions = truth.Select((label, i) =>
        {
            var predicted = label == "cat" && cats++ < 12 ? "dog" : label;
            return JsonSerializer.Serialize(new { filename = $"c{i}.png", label = predicted, confidence = 0.9 });
        });
        var run = _bed.Bed.WriteFile("cls.jsonl", string.Join('\n', predictions) + "\n");
        Assert.Equal(HttpStatusCode.OK, (await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions",
            new { prediction_path = run, run_name = "cls", format = "classification_jsonl" })).Status);

        var answer = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/analyze", """{"source": "cls"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var patterns = answer.Json.GetProperty("patterns").EnumerateArray().ToList();
        var pair = Assert.Single(patterns, p => p.GetProperty("pattern").GetString()!.Contains("absorb", StringComparison.Ordinal));
        Assert.Equal("'cat' and 'dog' absorb 100% of all misclassifications", pair.GetProperty("pattern").GetString());
        Assert.Equal("12 of 12 misclassifications are between 'cat' and 'dog' (12 'cat' predicted as 'dog').", pair.GetProperty("evidence").GetString());
        var weak = Assert.Single(patterns, p => p.GetProperty("pattern").GetString()!.StartsWith("Class ", StringComparison.Ordinal));
        Assert.Equal("Class 'cat' performs far below the others: 60% of its samples are missed or mislabelled (median 0%)", weak.GetProperty("pattern").GetString());
        Assert.Equal(string.Format(CultureInfo.InvariantCulture,
                "Analysed 60 images for source 'cls' at IoU 0.5 and confidence 0.25: 48 correct, 12 misclassified, 0 without a prediction. Found {0} patterns",
                patterns.Count),
            answer.Json.GetProperty("summary").GetString()![..(answer.Json.GetProperty("summary").GetString()!.IndexOf(" (", StringComparison.Ordinal))]);
    }
}
