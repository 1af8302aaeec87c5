using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Tests.EmbeddingJobs;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.AutoTagging;

/// <summary>R33, R34 and the sample routes the auto-tag tests read, driven through HTTP.</summary>
internal static class AutoTagRoutes
{
    /// <summary>R33 as the frontend sends it: <c>{}</c>.</summary>
    public static Task<HttpResponseMessage> StartAsync(EmbeddingJobTestBed bed, string datasetId) =>
        bed.Client.PostAsJsonAsync($"/datasets/{datasetId}/auto-tag", new { });

    /// <summary>Starts a job, reads R34 to its end (with a deadline) and returns the last event's data.</summary>
    public static async Task<JsonElement> RunAsync(EmbeddingJobTestBed bed, string datasetId)
    {
        var started = await StartAsync(bed, datasetId);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("started", "Auto-tagging started"), (body.GetProperty("status").GetString(), body.GetProperty("message").GetString()));
        return (await ReadProgressAsync(bed, datasetId))[^1].Data;
    }

    public static async Task<IReadOnlyList<ReceivedEvent>> ReadProgressAsync(EmbeddingJobTestBed bed, string datasetId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/auto-tag/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await EventStreamReader.ReadAllAsync(response, "\r\n\r\n", timeout.Token);
    }

    /// <summary>Reads R34 until an event satisfies <paramref name="condition"/> (failing after 60 s) and returns it.</summary>
    public static async Task<JsonElement> WaitForProgressAsync(EmbeddingJobTestBed bed, string datasetId, Func<JsonElement, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await bed.Client.GetAsync($"/datasets/{datasetId}/auto-tag/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await foreach (var received in EventStreamReader.ReadAsync(response, "\r\n\r\n", timeout.Token))
        {
            if (condition(received.Data))
            {
                return received.Data;
            }
        }

        throw new Xunit.Sdk.XunitException("The progress stream ended before the expected state.");
    }

    /// <summary>Every sample's tags by file name, through R8.</summary>
    public static async Task<Dictionary<string, string[]>> TagsByFileAsync(EmbeddingJobTestBed bed, string datasetId)
    {
        var page = await bed.Client.GetFromJsonAsync<JsonElement>($"/samples?dataset_id={datasetId}&limit=200");
        return page.GetProperty("items").EnumerateArray().ToDictionary(
            item => item.GetProperty("file_name").GetString()!,
            item => item.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()!).ToArray());
    }

    public static async Task AssertDetailAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }
}
