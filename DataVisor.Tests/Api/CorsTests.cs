using System.Net;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.Api;

/// <summary>Contract §1.8: CORS for the configured origins, and none at all behind the proxy.</summary>
public sealed class CorsTests
{
    private const string Frontend = "http://localhost:3000";

    [Fact]
    public async Task AllowedOriginIsEchoedWithCredentialsOnSimpleRequests()
    {
        using var factory = new DataVisorApiFactory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/datasets");
        request.Headers.Add("Origin", Frontend);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Frontend, Single(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Single(response, "Access-Control-Allow-Credentials"));
        Assert.Contains("Origin", response.Headers.Vary);
    }

    [Fact]
    public async Task AllowedOriginPreflightListsEveryMethodAndEchoesHeaders()
    {
        using var factory = new DataVisorApiFactory();
        using var client = factory.CreateClient();
        using var response = await client.SendAsync(Preflight(Frontend, "PATCH", "content-type,x-custom"));

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"status {response.StatusCode}");
        Assert.Equal(Frontend, Single(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Single(response, "Access-Control-Allow-Credentials"));
        var methods = Single(response, "Access-Control-Allow-Methods")!.Split(',', StringSplitOptions.TrimEntries);
        Assert.Equal(["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"], methods.Order(StringComparer.Ordinal));
        var headers = Single(response, "Access-Control-Allow-Headers")!.Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("content-type", headers, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("x-custom", headers, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnknownOriginGetsNoAllowOriginHeader()
    {
        using var factory = new DataVisorApiFactory();
        using var client = factory.CreateClient();
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/datasets");
        simple.Headers.Add("Origin", "http://evil.example");
        using var simpleResponse = await client.SendAsync(simple);
        using var preflight = await client.SendAsync(Preflight("http://evil.example", "DELETE", "content-type"));

        Assert.Equal(HttpStatusCode.OK, simpleResponse.StatusCode);
        Assert.False(simpleResponse.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ConfiguredOriginsReplaceTheDefaultAndStarEchoesAnyOrigin()
    {
        using var listed = new DataVisorApiFactory(new Dictionary<string, string?> { ["DATAVISOR_CORS_ORIGINS"] = "http://a.test, http://b.test" });
        using var star = new DataVisorApiFactory(new Dictionary<string, string?> { ["DATAVISOR_CORS_ORIGINS"] = "*" });

        Assert.Equal("http://b.test", await AllowedOriginFor(listed, "http://b.test"));
        Assert.Null(await AllowedOriginFor(listed, Frontend));
        Assert.Equal("http://anything.test", await AllowedOriginFor(star, "http://anything.test"));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("YES")]
    [InlineData("1")]
    [InlineData("on")]
    public async Task BehindTheProxyNoAccessControlHeaderIsEverSent(string behindProxy)
    {
        using var factory = new DataVisorApiFactory(new Dictionary<string, string?>
        {
            ["DATAVISOR_BEHIND_PROXY"] = behindProxy,
            ["DATAVISOR_CORS_ORIGINS"] = "*",
        });
        using var client = factory.CreateClient();
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/datasets");
        simple.Headers.Add("Origin", Frontend);
        using var simpleResponse = await client.SendAsync(simple);
        using var preflight = await client.SendAsync(Preflight(Frontend, "POST", "content-type"));

        Assert.Equal(HttpStatusCode.OK, simpleResponse.StatusCode);
        Assert.Empty(AccessControlHeaders(simpleResponse));
        Assert.Empty(AccessControlHeaders(preflight));
    }

    private static HttpRequestMessage Preflight(string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/datasets");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static async Task<string?> AllowedOriginFor(DataVisorApiFactory factory, string origin)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", origin);
        using var response = await client.SendAsync(request);
        return Single(response, "Access-Control-Allow-Origin");
    }

    private static string? Single(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : null;

    private static IEnumerable<string> AccessControlHeaders(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Select(h => h.Key)
            .Where(name => name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
}
