using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DataVisor.Api.Reductions;
using DataVisor.Tests.EmbeddingJobs;
using DataVisor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Reductions;

/// <summary>
/// A dataset of drawn images whose embeddings are vectors the test chooses (through the scripted model and
/// the real R22), plus helpers to drive R25-R27 and X2. <see cref="Pacing"/> can hold a reduction in its
/// <c>fitting</c> state until it is released or cancelled.
/// </summary>
internal sealed class ReductionTestBed : IDisposable
{
    private ReductionTestBed(EmbeddingJobTestBed embeddings, ScriptedModelCatalog models, HeldPacing pacing)
    {
        Embeddings = embeddings;
        Models = models;
        Pacing = pacing;
    }

    public EmbeddingJobTestBed Embeddings { get; }

    public ScriptedModelCatalog Models { get; }

    public HeldPacing Pacing { get; }

    public HttpClient Client => Embeddings.Client;

    public string DatasetId { get; private set; } = "";

    /// <summary>Sample id by file name.</summary>
    public Dictionary<string, string> Ids { get; private set; } = [];

    /// <summary>The vectors by file name, in the order the images were ingested.</summary>
    public IReadOnlyList<(string FileName, float[] Vector)> Vectors { get; private set; } = [];

    /// <param name="vectors">One image per vector, named by the caller.</param>
    /// <param name="configure">Further test services, e.g. removing reducers.</param>
    public static async Task<ReductionTestBed> CreateAsync(IReadOnlyList<(string FileName, float[] Vector)> vectors, Action<IServiceCollection>? configure = null)
    {
        var models = new ScriptedModelCatalog { Dimension = vectors[0].Vector.Length };
        var pacing = new HeldPacing();
        var embeddings = new EmbeddingJobTestBed(models, services =>
        {
            services.AddSingleton<ReductionPacing>(pacing);
            configure?.Invoke(services);
        });
        var bed = new ReductionTestBed(embeddings, models, pacing);
        var images = new List<(string, SkiaSharp.SKBitmap?)>();
        for (var index = 0; index < vectors.Count; index++)
        {
            images.Add((vectors[index].FileName, EmbeddingJobTestBed.DrawGroupImage(index % 3, index % 4)));
        }

        bed.DatasetId = await embeddings.IngestAsync(images);
        bed.Ids = await embeddings.SampleIdsAsync(bed.DatasetId);
        await bed.GenerateAsync(vectors);
        return bed;
    }

    /// <summary>Three clusters of <paramref name="perCluster"/> 8-d vectors (ClusteredVectors), files c{class}_{k}.png.</summary>
    public static IReadOnlyList<(string FileName, float[] Vector)> Clusters(int perCluster, int seed = 5)
    {
        var (set, labels) = ClusteredVectors.Generate(3, perCluster, 8, 0.25, seed);
        return [.. Enumerable.Range(0, set.Count).Select(row => ($"c{labels[row]}_{row % perCluster:D2}.png", set.Row(row).ToArray()))];
    }

    /// <summary>Runs R22 with the scripted model to completion, making these vectors the stored ones.</summary>
    public async Task GenerateAsync(IReadOnlyList<(string FileName, float[] Vector)> vectors)
    {
        foreach (var (fileName, vector) in vectors)
        {
            Models.SetVector(fileName, vector);
        }

        Vectors = vectors;
        Assert.Equal(HttpStatusCode.Accepted, (await Embeddings.GenerateAsync(DatasetId, new { model_name = ScriptedModelCatalog.Name })).StatusCode);
        Assert.Equal("complete", (await Embeddings.ReadProgressAsync(DatasetId))[^1].Data.GetProperty("status").GetString());
    }

    /// <summary>R25 with a raw body (null: no body and no content type, as a bare POST).</summary>
    public async Task<HttpResponseMessage> ReduceAsync(string? json, string? datasetId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/datasets/{datasetId ?? DatasetId}/embeddings/reduce");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await Client.SendAsync(request);
    }

    /// <summary>Starts a reduction and reads R26 to its end; returns every event's data.</summary>
    public async Task<IReadOnlyList<JsonElement>> ReduceAndReadAsync(string? method)
    {
        var response = await ReduceAsync(method is null ? null : $$"""{"method": "{{method}}"}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await ReadProgressAsync();
    }

    public async Task<IReadOnlyList<JsonElement>> ReadProgressAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var response = await Client.GetAsync($"/datasets/{DatasetId}/embeddings/reduce/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await EventStreamReader.ReadAllAsync(response, "\r\n\r\n", timeout.Token);
        Assert.All(events, received => Assert.StartsWith("event: progress\r\ndata: {", received.Frame, StringComparison.Ordinal));
        return [.. events.Select(received => received.Data)];
    }

    /// <summary>Reads R26 until an event satisfies <paramref name="condition"/> (the stream stays open for a held job).</summary>
    public async Task<JsonElement> WaitForProgressAsync(Func<JsonElement, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await Client.GetAsync($"/datasets/{DatasetId}/embeddings/reduce/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await foreach (var received in EventStreamReader.ReadAsync(response, "\r\n\r\n", timeout.Token))
        {
            if (condition(received.Data))
            {
                return received.Data;
            }
        }

        throw new InvalidOperationException("The progress stream ended before the expected event.");
    }

    /// <summary>R27's raw body, for byte-for-byte comparisons.</summary>
    public async Task<string> CoordinatesTextAsync(string? datasetId = null)
    {
        var response = await Client.GetAsync($"/datasets/{datasetId ?? DatasetId}/embeddings/coordinates");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async Task<JsonElement[]> CoordinatesAsync() => [.. JsonDocument.Parse(await CoordinatesTextAsync()).RootElement.EnumerateArray()];

    /// <summary>The layout as R27 serves it: x, y per vector in <see cref="Vectors"/> order.</summary>
    public async Task<double[]> LayoutAsync()
    {
        var byId = (await CoordinatesAsync()).ToDictionary(item => item.GetProperty("sampleId").GetString()!);
        return [.. Vectors.SelectMany(pair =>
        {
            var item = byId[Ids[pair.FileName]];
            return new[] { item.GetProperty("x").GetDouble(), item.GetProperty("y").GetDouble() };
        })];
    }

    /// <summary>The stored vectors as the job sees them: ordinal order of sample id.</summary>
    public (VectorSet Vectors, string[] FileNames) VectorsBySampleId()
    {
        var ordered = Vectors.OrderBy(pair => Ids[pair.FileName], StringComparer.Ordinal).ToArray();
        var dimension = ordered[0].Vector.Length;
        return (new VectorSet([.. ordered.SelectMany(pair => pair.Vector)], ordered.Length, dimension), [.. ordered.Select(pair => pair.FileName)]);
    }

    public static async Task AssertDetailAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    public void Dispose() => Embeddings.Dispose();

    /// <summary>Holds reductions before their fit while <see cref="Hold"/> is set, until cancelled or released.</summary>
    internal sealed class HeldPacing : ReductionPacing
    {
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Hold;

        public void Release()
        {
            Hold = false;
            _release.TrySetResult();
        }

        public override async ValueTask BeforeFitAsync(string datasetId, CancellationToken cancellationToken)
        {
            if (Hold)
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
