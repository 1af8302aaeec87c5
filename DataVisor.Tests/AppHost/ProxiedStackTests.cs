using System.Net;
using System.Net.Http.Json;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.AppHost;

/// <summary>End to end through the real Caddy proxy in front of the real API, started by the AppHost.</summary>
public sealed class ProxiedStackTests(ProxiedStackFixture stack) : IClassFixture<ProxiedStackFixture>
{
    [SkippableFact]
    public async Task RequestsWithoutCredentialsAreRefused()
    {
        stack.RequireRunning();
        using var client = stack.CreateClient(user: null);

        foreach (var path in new[] { "/api/health", "/health", "/api/datasets", "/" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        }
    }

    [SkippableFact]
    public async Task AWrongPasswordIsRefused()
    {
        stack.RequireRunning();
        using var client = stack.CreateClient(password: "not-the-password");
        using var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [SkippableFact]
    public async Task TheRightPasswordReachesTheApiWithTheApiPrefixStripped()
    {
        stack.RequireRunning();
        using var client = stack.CreateClient();

        using var health = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await health.Content.ReadAsStringAsync());

        using var datasets = await client.GetAsync("/api/datasets/");
        Assert.Equal(HttpStatusCode.OK, datasets.StatusCode);
        Assert.StartsWith("""{"datasets":[""", await datasets.Content.ReadAsStringAsync());

        using var bare = await client.GetAsync("/api");
        Assert.Equal(HttpStatusCode.NotFound, bare.StatusCode);
    }

    [SkippableFact]
    public async Task NoAccessControlHeaderLeavesTheStackEvenForTheFrontendOrigin()
    {
        stack.RequireRunning();
        using var client = stack.CreateClient();
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/api/datasets");
        simple.Headers.Add("Origin", "http://localhost:3000");
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/datasets");
        preflight.Headers.Add("Origin", "http://localhost:3000");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");

        using var simpleResponse = await client.SendAsync(simple);
        using var preflightResponse = await client.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.OK, simpleResponse.StatusCode);
        Assert.Empty(AccessControlHeaders(simpleResponse));
        Assert.Empty(AccessControlHeaders(preflightResponse));
    }

    [SkippableFact]
    public async Task QuarterMegabyteRequestLinesPassTheProxy()
    {
        stack.RequireRunning();
        var ids = string.Join("%2C", Enumerable.Range(0, 5000).Select(i => $"{i:D45}"));
        using var client = stack.CreateClient();
        using var response = await client.GetAsync($"/api/datasets/{ids}");

        Assert.True(ids.Length > 235_000);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Dataset not found", (await response.Content.ReadFromJsonAsync<ErrorBody>())?.Detail);
    }

    [SkippableFact]
    public async Task IngestProgressArrivesEventByEventThroughTheProxy()
    {
        stack.RequireRunning();
        using var files = new TempDirectory();
        var coco = SyntheticCoco.WriteLarge(files.Path, images: 20_000, annotationsPerImage: 10);
        using var client = stack.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/datasets/ingest")
        {
            Content = JsonContent.Create(new { annotation_path = coco.AnnotationPath, image_dir = coco.ImageDirectory, dataset_name = "streamed" }),
        };

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await EventStreamReader.ReadAllAsync(response);

        var stages = events.Select(e => e.Data.GetProperty("stage").GetString()).ToList();
        Assert.Equal("categories", stages[0]);
        Assert.Equal("complete", stages[^1]);
        Assert.All(events, e => Assert.StartsWith("data: {", e.Frame));
        // A buffering proxy would deliver everything at once, when the body ends; streamed events arrive
        // while the ingest is still parsing and committing.
        var first = events[0].ArrivedAfter;
        var last = events[^1].ArrivedAfter;
        Assert.True(last - first > TimeSpan.FromMilliseconds(50), $"first event at {first}, last at {last}: the stream was buffered");
        Assert.Contains($"Ingestion complete: 20000 images, 200000 annotations", events[^1].Data.GetProperty("message").GetString());
    }

    private sealed record ErrorBody(string Detail);

    private static IEnumerable<string> AccessControlHeaders(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Select(h => h.Key)
            .Where(name => name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
}
