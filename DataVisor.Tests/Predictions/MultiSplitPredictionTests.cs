using System.Net;
using DataVisor.Tests.Editing;
using static DataVisor.Tests.Wizard.WizardFolders;

namespace DataVisor.Tests.Predictions;

/// <summary>D3: predictions attach by source image id; ambiguous ids across splits are skipped unless <c>split</c> picks one.</summary>
public sealed class MultiSplitPredictionTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task<string> ImportTwoSplitsAsync()
    {
        var root = Folder(_bed.Bed.DataDir, "splits");
        var trainImages = Folder(root, "train");
        var valImages = Folder(root, "val");
        WriteImages(trainImages, 2);
        WriteImages(valImages, 1);
        // Image id 1 exists in both splits (file img_0.png in both), image id 2 only in train.
        var train = Coco(Path.Combine(root, "train.json"), [(1, "cat"), (2, "dog")], [(1, "img_0.png"), (2, "img_1.png")], [(1, 1, 1)]);
        var val = Coco(Path.Combine(root, "val.json"), [(1, "cat")], [(1, "img_0.png")], [(1, 1, 1)]);
        var (response, events) = await _bed.Bed.Api.PostForEventsAsync("/ingestion/import", new
        {
            dataset_name = "two splits",
            splits = new[]
            {
                new { name = "train", annotation_path = train, image_dir = trainImages },
                new { name = "val", annotation_path = val, image_dir = valImages },
            },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        return events[^1].GetProperty("dataset_id").GetString()!;
    }

    [Fact]
    public async Task AmbiguousImageIds_AreSkipped_UnlessSplitIsGiven()
    {
        var datasetId = await ImportTwoSplitsAsync();
        var path = _bed.Bed.WriteFile("preds.json", """
            [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "score": 0.9},
             {"image_id": 2, "category_id": 2, "bbox": [0, 0, 4, 4], "score": 0.8}]
            """);

        var all = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = "r" });
        Assert.Equal(1, all.Json.GetProperty("prediction_count").GetInt64());
        Assert.Equal(1, all.Json.GetProperty("skipped_count").GetInt64());
        Assert.Equal("train_2", (string?)_bed.Bed.Query($"SELECT sample_id FROM annotations WHERE dataset_id = '{datasetId}' AND source = 'r'").Single()[0]);

        var val = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = "r", split = "val" });
        Assert.Equal(1, val.Json.GetProperty("prediction_count").GetInt64());
        Assert.Equal(1, val.Json.GetProperty("skipped_count").GetInt64());
        Assert.Equal("val_1", (string?)_bed.Bed.Query($"SELECT sample_id FROM annotations WHERE dataset_id = '{datasetId}' AND source = 'r'").Single()[0]);

        // File-name keys are ambiguous the same way (img_0.png is in both folders).
        var jsonl = _bed.Bed.WriteFile("cls.jsonl", "{\"filename\": \"img_0.png\", \"label\": \"cat\"}\n{\"filename\": \"img_1.png\", \"label\": \"dog\"}\n");
        var byName = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = jsonl, format = "classification_jsonl" });
        Assert.Equal(1, byName.Json.GetProperty("prediction_count").GetInt64());
        Assert.Equal(1, byName.Json.GetProperty("skipped_count").GetInt64());
        Assert.Equal((2L, 2L), await PredictionCountersAsync(datasetId));
    }

    private async Task<(long Annotations, long Predictions)> PredictionCountersAsync(string datasetId)
    {
        var counters = await _bed.CountersAsync(datasetId);
        return (counters.Annotations, counters.Predictions);
    }
}
