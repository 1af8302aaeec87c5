using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace DataVisor.Tests.EmbeddingJobs;

/// <summary>
/// One test's API on a temp folder, optionally with a stand-in model catalog (so job mechanics can be
/// tested without the network's cost), plus helpers to ingest drawn images and drive the embedding routes.
/// </summary>
internal sealed class EmbeddingJobTestBed : IDisposable
{
    private readonly ApiFactory _root;

    /// <param name="configure">Further test services (e.g. a job's pacing hook).</param>
    /// <param name="settings">Further <c>DATAVISOR_*</c> settings.</param>
    public EmbeddingJobTestBed(
        IEmbeddingModelCatalog? models = null, Action<IServiceCollection>? configure = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Directory.CreateDirectory(Temp.Combine("state"));
        Directory.CreateDirectory(ImageDir);
        _root = new ApiFactory(Temp.Combine("state"), settings);
        Api = models is null && configure is null
            ? _root
            : _root.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            {
                if (models is not null)
                {
                    services.AddSingleton(models);
                }

                configure?.Invoke(services);
            }));
        Client = Api.CreateClient();
    }

    public TempDirectory Temp { get; } = new("datavisor-embedjobs");

    public string ImageDir => Temp.Combine("images");

    public WebApplicationFactory<ApiEntryPoint> Api { get; }

    public HttpClient Client { get; }

    /// <summary>Three visually distinct groups: red discs on white, blue squares on black, green stripes on yellow.</summary>
    public static SKBitmap DrawGroupImage(int group, int variant)
    {
        var bitmap = new SKBitmap(new SKImageInfo(160 + (variant * 8), 120 + (variant * 6), SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { IsAntialias = true };
        var w = bitmap.Width;
        var h = bitmap.Height;
        switch (group)
        {
            case 0:
                canvas.Clear(SKColors.White);
                paint.Color = SKColors.Red;
                canvas.DrawCircle(w / 2f + variant * 3, h / 2f, 40 + variant * 2, paint);
                break;
            case 1:
                canvas.Clear(SKColors.Black);
                paint.Color = SKColors.DeepSkyBlue;
                canvas.DrawRect(20 + variant * 4, 20, 60, 60, paint);
                break;
            default:
                canvas.Clear(SKColors.Yellow);
                paint.Color = SKColors.DarkGreen;
                for (var x = variant * 2; x < w; x += 20)
                {
                    canvas.DrawRect(x, 0, 10, h, paint);
                }

                break;
        }

        return bitmap;
    }

    /// <summary>Writes the images as PNGs plus a COCO file naming them, ingests it and returns the dataset id.</summary>
    public async Task<string> IngestAsync(IReadOnlyList<(string FileName, SKBitmap? Image)> images)
    {
        foreach (var (fileName, image) in images)
        {
            if (image is not null)
            {
                using var data = image.Encode(SKEncodedImageFormat.Png, 100);
                await File.WriteAllBytesAsync(Path.Combine(ImageDir, fileName), data.ToArray());
            }
            else
            {
                await File.WriteAllTextAsync(Path.Combine(ImageDir, fileName), "not an image");
            }
        }

        return await IngestFilesAsync([.. images.Select(image => (image.FileName, image.Image?.Width ?? 10, image.Image?.Height ?? 10))]);
    }

    /// <summary>Ingests files the test already wrote to <see cref="ImageDir"/> through a COCO file naming them.</summary>
    public async Task<string> IngestFilesAsync(IReadOnlyList<(string FileName, int Width, int Height)> images)
    {
        var annotationPath = Temp.Combine($"coco_{Guid.NewGuid():N}.json");
        using (var stream = File.Create(annotationPath))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("categories");
            json.WriteStartObject();
            json.WriteNumber("id", 1);
            json.WriteString("name", "thing");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartArray("images");
            for (var index = 0; index < images.Count; index++)
            {
                var (fileName, width, height) = images[index];
                json.WriteStartObject();
                json.WriteNumber("id", index + 1);
                json.WriteString("file_name", fileName);
                json.WriteNumber("width", width);
                json.WriteNumber("height", height);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("annotations");
            json.WriteEndArray();
            json.WriteEndObject();
        }

        var response = await Client.PostAsJsonAsync("/datasets/ingest", new { annotation_path = annotationPath, image_dir = ImageDir });
        var events = await ApiFactory.ReadDataEventsAsync(response);
        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        return events[0].GetProperty("dataset_id").GetString()!;
    }

    /// <summary>Sample id by file name, through the sample listing.</summary>
    public async Task<Dictionary<string, string>> SampleIdsAsync(string datasetId)
    {
        var page = await Client.GetFromJsonAsync<JsonElement>($"/samples?dataset_id={datasetId}&limit=200");
        return page.GetProperty("items").EnumerateArray().ToDictionary(
            item => item.GetProperty("file_name").GetString()!, item => item.GetProperty("id").GetString()!);
    }

    public async Task<HttpResponseMessage> GenerateAsync(string datasetId, object? body = null) =>
        body is null
            ? await Client.PostAsync($"/datasets/{datasetId}/embeddings/generate", null)
            : await Client.PostAsJsonAsync($"/datasets/{datasetId}/embeddings/generate", body);

    /// <summary>Reads R23 to its end (with a deadline) and returns every event.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> ReadProgressAsync(string datasetId, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(120));
        using var response = await Client.GetAsync($"/datasets/{datasetId}/embeddings/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await EventStreamReader.ReadAllAsync(response, "\r\n\r\n", timeout.Token);
    }

    public async Task<JsonElement> StatusAsync(string datasetId) =>
        await Client.GetFromJsonAsync<JsonElement>($"/datasets/{datasetId}/embeddings/status");

    public async Task<JsonElement> SearchAsync(string datasetId, string sampleId, int? limit = null)
    {
        var url = $"/datasets/{datasetId}/similarity/search?sample_id={Uri.EscapeDataString(sampleId)}" + (limit is { } l ? $"&limit={l}" : "");
        var response = await Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public void Dispose()
    {
        Client.Dispose();
        Api.Dispose();
        _root.Dispose();
        Temp.Dispose();
    }

    /// <summary>
    /// The raw text of a dialect-B stream until it holds <paramref name="frames"/> complete frames (CRLF
    /// framing kept, so tests can compare bytes), failing after 30 s.
    /// </summary>
    public static async Task<string> ReadFramesAsync(HttpResponseMessage response, int frames)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        var text = "";
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (text.Split("\r\n\r\n").Length <= frames)
        {
            var read = await body.ReadAsync(buffer, deadline.Token);
            Assert.True(read > 0);
            text += System.Text.Encoding.UTF8.GetString(buffer, 0, read);
        }

        return text;
    }
}

/// <summary>
/// A stand-in model: each image becomes a vector chosen by the test (by file name), and every image waits
/// for <see cref="Release"/> when <see cref="Hold"/> is set, so a test can keep a job running.
/// </summary>
internal sealed class ScriptedModelCatalog : IEmbeddingModelCatalog, IImageEmbedder
{
    private readonly Dictionary<string, float[]> _vectors = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _release = new(0, int.MaxValue);
    private readonly Lock _gate = new();
    private readonly Queue<string> _decodedOrder = new();

    public const string Name = "scripted";

    public IReadOnlyList<string> Names => [Name, "other"];

    public int Dimension { get; set; } = 3;

    public int ValuesPerImage => 1;

    public bool Hold { get; set; }

    public void SetVector(string fileName, params float[] vector) => _vectors[fileName] = vector;

    public void Release() => _release.Release(int.MaxValue / 2);

    public bool Contains(string name) => Names.Contains(name);

    public IImageEmbedder Load(string name) => this;

    public bool TryPreprocess(string path, Span<float> destination)
    {
        if (Hold)
        {
            _release.Wait(TimeSpan.FromSeconds(60));
        }

        var fileName = Path.GetFileName(path);
        if (!_vectors.ContainsKey(fileName))
        {
            return false;
        }

        lock (_gate)
        {
            _decodedOrder.Enqueue(fileName);
        }

        destination[0] = 0;
        return true;
    }

    public float[] Embed(float[] preprocessed, int count)
    {
        var output = new float[count * Dimension];
        for (var index = 0; index < count; index++)
        {
            string fileName;
            lock (_gate)
            {
                fileName = _decodedOrder.Dequeue();
            }

            _vectors[fileName].CopyTo(output, index * Dimension);
        }

        return output;
    }
}
