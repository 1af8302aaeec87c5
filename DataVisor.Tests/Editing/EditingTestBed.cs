using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Editing;

/// <summary>An answer read whole: status, raw body, and the body as JSON when it is JSON.</summary>
public sealed record JsonAnswer(HttpStatusCode Status, string Text)
{
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Text);
            return document.RootElement.Clone();
        }
    }

    public string? Detail => Json.GetProperty("detail").GetString();
}

/// <summary>
/// A small COCO dataset ingested through R2 (three 40 × 30 PNGs; ground truth 10 cat and 11 dog on
/// image 1, 12 cat on image 2; categories cat, dog, bird), plus raw HTTP and database helpers for the
/// editing routes. <see cref="IngestTestBed.Query"/> stops the API; the next request starts it again.
/// </summary>
public sealed class EditingTestBed : IDisposable
{
    public EditingTestBed(IReadOnlyDictionary<string, string?>? settings = null) => Bed = new IngestTestBed(settings);

    public IngestTestBed Bed { get; }

    public async Task<string> IngestSmallCocoAsync(string name = "instances")
    {
        for (var id = 1; id <= 3; id++)
        {
            TestImages.WritePng(Path.Combine(Bed.ImageDir, $"{name}_{id}.png"), 40, 30);
        }

        var path = Bed.WriteFile($"{name}.json", $$"""
            {
              "images": [
                {"id": 1, "file_name": "{{name}}_1.png", "width": 40, "height": 30},
                {"id": 2, "file_name": "{{name}}_2.png", "width": 40, "height": 30},
                {"id": 3, "file_name": "{{name}}_3.png", "width": 40, "height": 30}
              ],
              "annotations": [
                {"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0},
                {"id": 11, "image_id": 1, "category_id": 2, "bbox": [5, 5, 10, 10], "area": 100, "iscrowd": 0},
                {"id": 12, "image_id": 2, "category_id": 1, "bbox": [0, 0, 8, 8], "area": 64, "iscrowd": 0}
              ],
              "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}, {"id": 3, "name": "bird"}]
            }
            """);
        var events = await Bed.IngestAsync(path);
        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        return events[^1].GetProperty("dataset_id").GetString()!;
    }

    public async Task<JsonAnswer> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var client = Bed.Api.CreateClient();
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        return new JsonAnswer(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public Task<JsonAnswer> SendAsync(HttpMethod method, string path, object body) =>
        SendAsync(method, path, JsonSerializer.Serialize(body));

    /// <summary>R4's four counters, in the order annotation, prediction, category, image.</summary>
    public async Task<(long Annotations, long Predictions, long Categories, long Images)> CountersAsync(string datasetId)
    {
        var dataset = (await SendAsync(HttpMethod.Get, $"/datasets/{datasetId}")).Json;
        return (dataset.GetProperty("annotation_count").GetInt64(), dataset.GetProperty("prediction_count").GetInt64(),
            dataset.GetProperty("category_count").GetInt64(), dataset.GetProperty("image_count").GetInt64());
    }

    /// <summary>A sample's tags read from the database file (stops the API).</summary>
    public IReadOnlyList<string> Tags(string datasetId, string sampleId)
    {
        var rows = Bed.Query($"SELECT tags FROM samples WHERE dataset_id = '{datasetId}' AND id = '{sampleId}'");
        var value = Assert.Single(rows)[0];
        return Assert.IsAssignableFrom<System.Collections.IEnumerable>(value).Cast<object?>().Select(tag => (string)tag!).ToList();
    }

    /// <summary>Runs statements directly on the database file (stops the API), e.g. to plant predictions or overrides.</summary>
    public void Execute(string sql) => Bed.Query(sql);

    public static long Long(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);

    public void Dispose() => Bed.Dispose();
}
