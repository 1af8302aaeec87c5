using System.Net;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.Api;

/// <summary>Contract §1.1-§1.3 and R1, through HTTP.</summary>
public sealed class HttpConventionsTests : IDisposable
{
    private readonly DataVisorApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/")]
    [InlineData("/api/health")]
    [InlineData("/api/health/")]
    public async Task HealthAnswersOkAtTheRootAndUnderApi(string path)
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/api/")]
    [InlineData("/no-such-route")]
    [InlineData("/api/no-such-route")]
    [InlineData("/datasets/a%2Fb")]
    public async Task UnknownPathsAnswerNotFoundWithDetail(string path)
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Not Found", await ReadDetailAsync(response));
    }

    [Fact]
    public async Task WrongMethodAnswersMethodNotAllowedWithDetail()
    {
        using var client = _factory.CreateClient();
        using var response = await client.PostAsync("/api/health", content: null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("Method Not Allowed", await ReadDetailAsync(response));
    }

    [Fact]
    public async Task TrailingSlashIsServedWithoutRedirect()
    {
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        using var response = await client.GetAsync("/api/datasets/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"datasets":[]}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownDatasetAnswersNotFoundWithTheContractMessage()
    {
        using var client = _factory.CreateClient();
        using var get = await client.GetAsync($"/datasets/{Guid.NewGuid()}");
        using var delete = await client.DeleteAsync($"/api/datasets/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("Dataset not found", await ReadDetailAsync(get));
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal("Dataset not found", await ReadDetailAsync(delete));
    }

    private static async Task<string?> ReadDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("detail").GetString();
    }
}
