using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataVisor.Tests.Infrastructure;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on loopback (Kestrel, port 0) for the optional-model
/// tests (analyst and vision tagger): the test decides how each request is answered; this class only hosts
/// it and writes the wire shapes the OpenAI client expects.
/// </summary>
public sealed class FakeOpenAiEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOpenAiEndpoint(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The base URL as the settings take it; the client appends <c>chat/completions</c>.</summary>
    public string BaseUrl { get; }

    public static async Task<FakeOpenAiEndpoint> StartAsync(Func<HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", answer);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeOpenAiEndpoint(app, address.TrimEnd('/') + "/v1");
    }

    /// <summary>A completed chat completion whose assistant message is <paramref name="content"/>.</summary>
    public static Task WriteCompletionAsync(HttpContext context, string content) => context.Response.WriteAsJsonAsync(new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion",
        created = 1_700_000_000,
        model = "fake-model",
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
    });

    /// <summary>An OpenAI-style error body with <paramref name="status"/>.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string message, string type, string? code = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { message, type, code } });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
