using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DataVisor.Tests.Infrastructure;

/// <summary>
/// The API in-process, with its database, thumbnail cache and other folders under a state folder the
/// test owns (so the database can be opened directly after the factory is disposed). Settings are passed
/// as configuration keys named like the <c>DATAVISOR_*</c> environment variables.
/// </summary>
public sealed class ApiFactory(string stateDirectory, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<ApiEntryPoint>
{
    public string DatabasePath { get; } = Path.Combine(stateDirectory, "datavisor.duckdb");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("DATAVISOR_DB_PATH", DatabasePath);
        builder.UseSetting("DATAVISOR_THUMBNAIL_CACHE_DIR", Path.Combine(stateDirectory, "thumbnails"));
        builder.UseSetting("DATAVISOR_QDRANT_PATH", Path.Combine(stateDirectory, "qdrant"));
        builder.UseSetting("DATAVISOR_MODELS_DIR", Path.Combine(stateDirectory, "models"));
        builder.UseSetting("DATAVISOR_PLUGIN_DIR", Path.Combine(stateDirectory, "plugins"));
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>POSTs <paramref name="body"/> as JSON and reads the whole dialect-A stream.</summary>
    public async Task<(HttpResponseMessage Response, List<JsonElement> Events)> PostForEventsAsync(string path, object body)
    {
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync(path, body);
        var events = await ReadDataEventsAsync(response);
        return (response, events);
    }

    /// <summary>
    /// Parses a dialect-A stream the way the frontend does (§1.6): split on a blank line, keep the parts
    /// that start with <c>data: </c>, one JSON object each.
    /// </summary>
    public static async Task<List<JsonElement>> ReadDataEventsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return ParseDataEvents(text);
    }

    public static List<JsonElement> ParseDataEvents(string text) =>
        text.Split("\n\n")
            .Select(part => part.Trim())
            .Where(part => part.StartsWith("data: ", StringComparison.Ordinal))
            .Select(part =>
            {
                using var document = JsonDocument.Parse(part["data: ".Length..]);
                return document.RootElement.Clone();
            })
            .ToList();
}
