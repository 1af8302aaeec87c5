using System.Collections.Concurrent;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using SkiaSharp;

namespace DataVisor.Tests.AutoTagging;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on loopback (Kestrel, port 0) that plays a vision model:
/// it tells the three questions apart by their wording, answers each with <see cref="Answers"/>, and fails
/// with 500 on every image darker than <see cref="FailBelowMeanLuma"/>. Records what it was asked.
/// </summary>
internal sealed class FakeVisionModel : IAsyncDisposable
{
    private FakeOpenAiEndpoint? _endpoint;

    private FakeVisionModel()
    {
    }

    public string BaseUrl => _endpoint!.BaseUrl;

    /// <summary>Answer per dimension (setting, weather, density), sent verbatim.</summary>
    public Dictionary<string, string> Answers { get; } = new(StringComparer.Ordinal);

    public double FailBelowMeanLuma { get; set; } = -1;

    public ConcurrentQueue<AskedQuestion> Asked { get; } = new();

    public sealed record AskedQuestion(string Model, string Dimension, int ImageWidth, int ImageHeight, double MeanLuma);

    public static async Task<FakeVisionModel> StartAsync()
    {
        var model = new FakeVisionModel();
        model._endpoint = await FakeOpenAiEndpoint.StartAsync(model.AnswerAsync);
        return model;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body);
        var parts = request.RootElement.GetProperty("messages")[0].GetProperty("content").EnumerateArray().ToList();
        var question = parts.Single(part => part.GetProperty("type").GetString() == "text").GetProperty("text").GetString()!;
        var url = parts.Single(part => part.GetProperty("type").GetString() == "image_url").GetProperty("image_url").GetProperty("url").GetString()!;
        const string prefix = "data:image/jpeg;base64,";
        Assert.StartsWith(prefix, url, StringComparison.Ordinal);
        using var image = SKBitmap.Decode(Convert.FromBase64String(url[prefix.Length..]));
        var meanLuma = MeanLuma(image);
        var dimension = question.Contains("indoors", StringComparison.Ordinal) ? "setting"
            : question.Contains("weather", StringComparison.Ordinal) ? "weather"
            : question.Contains("crowded", StringComparison.Ordinal) ? "density"
            : "unknown";
        Asked.Enqueue(new AskedQuestion(request.RootElement.GetProperty("model").GetString()!, dimension, image.Width, image.Height, meanLuma));

        if (meanLuma < FailBelowMeanLuma)
        {
            await FakeOpenAiEndpoint.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "model crashed", "server_error");
            return;
        }

        await FakeOpenAiEndpoint.WriteCompletionAsync(context, Answers.GetValueOrDefault(dimension, ""));
    }

    private static double MeanLuma(SKBitmap image)
    {
        double sum = 0;
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var pixel = image.GetPixel(x, y);
                sum += (0.299 * pixel.Red) + (0.587 * pixel.Green) + (0.114 * pixel.Blue);
            }
        }

        return sum / (image.Width * image.Height);
    }

    public ValueTask DisposeAsync() => _endpoint?.DisposeAsync() ?? ValueTask.CompletedTask;
}
