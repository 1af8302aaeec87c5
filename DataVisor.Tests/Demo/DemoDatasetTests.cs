using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api.Demo;
using DataVisor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace DataVisor.Tests.Demo;

/// <summary>The demo dataset that a first run shows: generated, ingested once, browsable.</summary>
public sealed class DemoDatasetTests
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public void GeneratorIsDeterministicAndEveryBoxLiesInsideItsImage()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        var a = DemoDatasetGenerator.Write(first.Path, images: 12);
        var b = DemoDatasetGenerator.Write(second.Path, images: 12);

        Assert.Equal(File.ReadAllText(a.AnnotationPath), File.ReadAllText(b.AnnotationPath));
        using var coco = JsonDocument.Parse(File.ReadAllText(a.AnnotationPath));
        var boxes = coco.RootElement.GetProperty("annotations").EnumerateArray().ToList();
        Assert.Equal(a.AnnotationCount, boxes.Count);
        Assert.InRange(boxes.Count, 12, 48);
        foreach (var box in boxes.Select(b => b.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray()))
        {
            Assert.True(box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= 320 && box[1] + box[3] <= 240, string.Join(",", box));
        }

        Assert.Equal(["circle", "square", "triangle", "ring"], coco.RootElement.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        using var codec = SKCodec.Create(Path.Combine(a.ImageDirectory, "demo_0001.jpg"));
        Assert.Equal(new SKSizeI(320, 240), codec.Info.Size);
    }

    [Fact]
    public async Task TheFirstStartIngestsTheDemoOnceAndNeverAgain()
    {
        using var data = new TempDirectory();
        var settings = new Dictionary<string, string?>
        {
            ["DATAVISOR_DB_PATH"] = data.Combine("datavisor.duckdb"),
            ["DATAVISOR_DEMO_DATASET"] = "true",
        };

        string demoId;
        using (var factory = new DataVisorApiFactory(settings))
        {
            using var client = factory.CreateClient();
            var demo = await WaitForDemoAsync(client, TimeSpan.FromSeconds(60));
            demoId = demo.Id;
            Assert.Equal(48, demo.ImageCount);
            Assert.Equal("coco", demo.Format);
            Assert.Equal(4, demo.CategoryCount);
            Assert.Equal(data.Combine("demo", "images"), demo.ImageDir);
            using var coco = JsonDocument.Parse(await File.ReadAllTextAsync(data.Combine("demo", "annotations.json")));
            Assert.Equal(coco.RootElement.GetProperty("annotations").GetArrayLength(), demo.AnnotationCount);
            using var predictions = JsonDocument.Parse(await File.ReadAllTextAsync(data.Combine("demo", "predictions.json")));
            Assert.Equal(predictions.RootElement.GetArrayLength(), demo.PredictionCount);

            // The demo detector is useful but flawed: the evaluation finds real mistakes to look at.
            using var evaluation = JsonDocument.Parse(await client.GetStringAsync(
                $"/datasets/{demo.Id}/evaluation?source={DemoDatasetSeeder.RunName}&iou_threshold=0.5&conf_threshold=0.25"));
            var map50 = evaluation.RootElement.GetProperty("ap_metrics").GetProperty("map50").GetDouble();
            Assert.InRange(map50, 0.4, 0.97);
            var matrix = evaluation.RootElement.GetProperty("confusion_matrix").EnumerateArray()
                .Select(row => row.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
            var offDiagonal = matrix.SelectMany((row, i) => row.Where((_, j) => i != j)).Sum();
            Assert.True(offDiagonal > 0, "the demo run has misses, confusions and false positives");

            using var deleted = await client.DeleteAsync($"/datasets/{demo.Id}");
            Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var restarted = new DataVisorApiFactory(settings))
        {
            using var client = restarted.CreateClient();
            // The seeder runs at start; give it the same chance it had the first time, then check nothing came back.
            await Task.WhenAll(restarted.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>()
                .OfType<DemoDatasetSeeder>().Select(s => s.ExecuteTask ?? Task.CompletedTask));
            var datasets = await client.GetFromJsonAsync<DatasetList>("/datasets", SnakeCase);
            Assert.Empty(datasets!.Datasets);
            Assert.Equal(demoId, await File.ReadAllTextAsync(data.Combine("demo", ".ingested")));
        }
    }

    private static async Task<DatasetSummary> WaitForDemoAsync(HttpClient client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var datasets = await client.GetFromJsonAsync<DatasetList>("/datasets", SnakeCase);
            if (datasets!.Datasets.SingleOrDefault(d => d.Name == DemoDatasetSeeder.DatasetName) is { PredictionCount: > 0 } demo)
            {
                return demo;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the demo dataset was not ingested in time");
    }

    private sealed record DatasetList(List<DatasetSummary> Datasets);

    private sealed record DatasetSummary(string Id, string Name, string Format, string ImageDir, long ImageCount, long AnnotationCount, long CategoryCount, long PredictionCount);
}
