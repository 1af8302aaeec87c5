using System.Net;
using System.Text.Json;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Analysis;

/// <summary>
/// A generated COCO detection dataset for R32: 100 images (ids 1…100), two GT boxes each — box 0 of class
/// <c>Classes[id % 3]</c> at [10, 10, 40, 40], box 1 of class <c>Classes[(id + 1) % 3]</c> at [100, 100, 40, 40] —
/// so every class has 66 or 67 boxes. Images 1…20 are tagged <c>dark</c> and even ids <c>outdoor</c>.
/// Prediction runs are written box by box from a rule, so each test plants exactly the pattern it looks for.
/// </summary>
public sealed class AnalysisDatasets(EditingTestBed bed)
{
    public const int ImageCount = 100;
    public static readonly string[] Classes = ["cat", "dog", "car"];

    public static string ClassOf(int imageId, int box) => Classes[(imageId + box) % Classes.Length];

    /// <summary>A predicted box (same place as its GT) with its class and score; null plants a false negative.</summary>
    public sealed record Planted(string Class, double Score);

    public async Task<string> IngestAsync()
    {
        var images = new List<object>();
        var annotations = new List<object>();
        for (var id = 1; id <= ImageCount; id++)
        {
            TestImages.WritePng(Path.Combine(bed.Bed.ImageDir, $"a_{id}.png"), 8, 8);
            images.Add(new { id, file_name = $"a_{id}.png", width = 200, height = 200 });
            for (var box = 0; box < 2; box++)
            {
                var (x, y) = Place(box);
                annotations.Add(new
                {
                    id = id * 10 + box, image_id = id, category_id = CategoryId(ClassOf(id, box)),
                    bbox = new[] { x, y, 40, 40 }, area = 1600, iscrowd = 0,
                });
            }
        }

        var path = bed.Bed.WriteFile("analysis.json", JsonSerializer.Serialize(new
        {
            images,
            annotations,
            categories = Classes.Select(name => new { id = CategoryId(name), name }),
        }));
        var events = await bed.Bed.IngestAsync(path);
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;
        await TagAsync(datasetId, "dark", Enumerable.Range(1, 20));
        await TagAsync(datasetId, "outdoor", Enumerable.Range(1, ImageCount).Where(id => id % 2 == 0));
        return datasetId;
    }

    /// <summary>
    /// Imports a run whose prediction for (image, box, GT class) is <paramref name="rule"/>'s answer, plus, per
    /// image, <paramref name="extra"/>'s box at [150, 10, 30, 30], where no GT is (a hard false positive).
    /// </summary>
    public async Task ImportRunAsync(string datasetId, string runName, Func<int, int, string, Planted?> rule, Func<int, Planted?>? extra = null)
    {
        var results = new List<object>();
        for (var id = 1; id <= ImageCount; id++)
        {
            for (var box = 0; box < 2; box++)
            {
                if (rule(id, box, ClassOf(id, box)) is not { } planted)
                {
                    continue;
                }

                var (x, y) = Place(box);
                results.Add(new { image_id = id, category_id = CategoryId(planted.Class), bbox = new[] { x, y, 40, 40 }, score = planted.Score });
            }

            if (extra?.Invoke(id) is { } background)
            {
                results.Add(new { image_id = id, category_id = CategoryId(background.Class), bbox = new[] { 150, 10, 30, 30 }, score = background.Score });
            }
        }

        var path = bed.Bed.WriteFile($"{runName}.json", JsonSerializer.Serialize(results));
        var answer = await bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = runName, format = "coco" });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    private async Task TagAsync(string datasetId, string tag, IEnumerable<int> ids)
    {
        var answer = await bed.SendAsync(HttpMethod.Patch, "/samples/bulk-tag",
            new { dataset_id = datasetId, sample_ids = ids.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), tag });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    private static int CategoryId(string name) => Array.IndexOf(Classes, name) + 1;

    private static (int X, int Y) Place(int box) => box == 0 ? (10, 10) : (100, 100);
}
