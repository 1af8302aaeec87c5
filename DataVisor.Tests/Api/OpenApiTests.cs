using System.Net;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.Api;

/// <summary>The OpenAPI document is generated from the mapped endpoints and browsable in Development.</summary>
public sealed class OpenApiTests : IDisposable
{
    private readonly DataVisorApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task DocumentListsTheMappedRoutes()
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/health", paths);
        Assert.Contains("/datasets", paths);
        Assert.Contains("/datasets/{datasetId}", paths);
        Assert.Contains("/datasets/ingest", paths);
        var datasetOperations = document.RootElement.GetProperty("paths").GetProperty("/datasets/{datasetId}").EnumerateObject().Select(o => o.Name);
        Assert.Equal(["delete", "get"], datasetOperations.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ApiReferenceIsServedInDevelopment()
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync("/scalar/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync());
    }
}
