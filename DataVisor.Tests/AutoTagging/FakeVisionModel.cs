using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SkiaSharp;

namespace DataVisor.Tests.AutoTagging;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on loopback (Kestrel, port 0) that plays a vision model:
/// it tells the three questions apart by their wording, answers each with <see cref="Answers"/>, and fails
/// with 500 on every image darker than <see cref="FailBelowMeanLuma"/>. Records what it was asked.
/// </summary>
internal sealed class FakeVisionModel : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeVisionModel(WebApplication app) => _app = app;

    public required string BaseUrl { get; init; }

    /// <summary>Answer per dimension (setting, weather, density), sent verbatim.</summary>
    public Dictionary<string, string> Answers { get; } = new(StringComparer.Ordinal);

    public double FailBelowMeanLuma { get; set; } = -1;

    public ConcurrentQueue<AskedQuestion> Asked { get; } = new();

    public sealed record AskedQuestion(string Model, string Dimension, int ImageWidth, int ImageHeight, double MeanLuma);

    public static async Task<FakeVisionModel> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeVisionModel? model = null;
        app.MapPost("/v1/chat/completions", (Delegate)(async (HttpContext context) => await model!.AnswerAsync(context)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        model = new FakeVisionModel(app) { BaseUrl = $"{address}/v1" };
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
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "model crashed", type = "server_error" } });
            return;
        }

        await context.Response.WriteAsJsonAsync(new
        {
            id = "chatcmpl-fake",
            @object = "chat.completion",
            created = 1_700_000_000,
            model = "fake-vlm",
            choices = new[] { new { index = 0, message = new { role = "assistant", content = Answers.GetValueOrDefault(dimension, "") }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 10, completion_tokens = 1, total_tokens = 11 },
        });
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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
