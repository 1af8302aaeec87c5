using System.Net;
using System.Text.Json;
using DataVisor.Tests.Editing;

namespace DataVisor.Tests.Api;

/// <summary>
/// No request a client can send produces a 500: read routes get generated malformed, extreme and hostile
/// query values, write routes generated bodies, and every answer is a 2xx or 4xx (with a JSON body for reads).
/// </summary>
public sealed class RequestFuzzTests : IDisposable
{
    private static readonly string[] Values =
    [
        "", " ", "-1", "0", "1", "50", "201", "5001", "1e309", "-1e309", "NaN", "Infinity", "0.5", "1.0000001", "0x10",
        "abc", "%", "_", "%_%", "'", "\"", "\\", "' OR 1=1 --", "ü", "🙂", "a,b,,c", ",,,", " , ", "%00", "%0A",
        "asc", "desc", "DESC", "id", "file_name", "width", "height", "split", "tags", "null", "true", "[]", "{}",
        "9223372036854775808", "99999999999999999999999999", "train", "ground_truth", "prediction", "medium", "original",
        new string('x', 10_000), string.Join(",", Enumerable.Range(0, 6000)),
    ];

    private static readonly string[] Parameters =
    [
        "dataset_id", "category", "split", "search", "tags", "sample_ids", "sort_by", "sort_dir", "offset", "limit",
        "sources", "source", "iou_threshold", "conf_threshold", "size", "unknown",
    ];

    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task GeneratedQueriesNeverAnswerWithAServerError()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        string[] routes =
        [
            "/samples", "/samples/filter-facets", "/samples/batch-annotations", "/samples/1/annotations",
            $"/datasets/{datasetId}/statistics", $"/datasets/{datasetId}/evaluation", "/views",
            $"/images/{datasetId}/1", "/datasets/unknown/statistics",
        ];
        var random = new Random(20261126);
        var failures = new List<string>();

        for (var i = 0; i < 450; i++)
        {
            var route = routes[random.Next(routes.Length)];
            var pairs = Enumerable.Range(0, random.Next(1, 6)).Select(_ =>
            {
                var name = Parameters[random.Next(Parameters.Length)];
                var value = name == "dataset_id" && random.Next(3) == 0 ? datasetId : Values[random.Next(Values.Length)];
                return $"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}";
            });
            var path = $"{route}?{string.Join("&", pairs)}";
            var answer = await _bed.SendAsync(HttpMethod.Get, path);
            if ((int)answer.Status >= 500 || !IsExpectedBody(route, answer))
            {
                failures.Add($"{(int)answer.Status} {path[..Math.Min(path.Length, 300)]}: {answer.Text[..Math.Min(answer.Text.Length, 200)]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public async Task GeneratedBodiesNeverAnswerWithAServerError()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        (HttpMethod Method, string Path)[] routes =
        [
            (HttpMethod.Patch, "/samples/bulk-tag"), (HttpMethod.Patch, "/samples/bulk-untag"), (HttpMethod.Patch, "/samples/set-triage-tag"),
            (HttpMethod.Post, "/views"), (HttpMethod.Post, "/annotations"), (HttpMethod.Put, "/annotations/10"),
            (HttpMethod.Patch, "/annotations/11/category"), (HttpMethod.Post, "/datasets/ingest"), (HttpMethod.Post, "/ingestion/scan"),
            (HttpMethod.Post, "/ingestion/import"), (HttpMethod.Post, "/ingestion/browse"), (HttpMethod.Post, $"/datasets/{datasetId}/predictions"),
        ];
        string[] fields =
        [
            "dataset_id", "sample_ids", "sample_id", "tag", "name", "filters", "category_name", "bbox_x", "bbox_y", "bbox_w", "bbox_h",
            "annotation_path", "image_dir", "dataset_name", "format", "split", "splits", "path", "prediction_path", "run_name",
        ];
        object?[] values =
        [
            null, "", " ", "x", datasetId, "1", "/", "/nonexistent/path", "gs://bucket/x", "../../etc/passwd", -1, 0, 1e308, -1e308, 3.5,
            true, new[] { "1", "2" }, Array.Empty<string>(), new object?[] { null, 1 }, new { a = new { b = 1 } },
            Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            new string('y', 5000), "coco", "classification_jsonl", "ground_truth", "a,b",
        ];
        string[] rawBodies = ["", "{", "null", "[]", "1", "\"x\"", "{\"dataset_id\": }", "{\"a\":1}{", "\u0000"];
        var random = new Random(1126);
        var failures = new List<string>();

        for (var i = 0; i < 400; i++)
        {
            var (method, path) = routes[random.Next(routes.Length)];
            string body;
            if (random.Next(5) == 0)
            {
                body = rawBodies[random.Next(rawBodies.Length)];
            }
            else
            {
                var fieldCount = random.Next(0, 7);
                var document = new Dictionary<string, object?>();
                for (var f = 0; f < fieldCount; f++)
                {
                    document[fields[random.Next(fields.Length)]] = values[random.Next(values.Length)];
                }

                body = JsonSerializer.Serialize(document);
            }

            var answer = await _bed.SendAsync(method, path, body);
            if ((int)answer.Status >= 500)
            {
                failures.Add($"{(int)answer.Status} {method} {path} {body[..Math.Min(body.Length, 200)]}: {answer.Text[..Math.Min(answer.Text.Length, 200)]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    private static bool IsExpectedBody(string route, JsonAnswer answer)
    {
        if (route.StartsWith("/images/", StringComparison.Ordinal) && answer.Status == HttpStatusCode.OK)
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(answer.Text);
            return answer.Status < HttpStatusCode.BadRequest || document.RootElement.TryGetProperty("detail", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
