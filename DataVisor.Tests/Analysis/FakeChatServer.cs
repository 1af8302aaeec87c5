using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Analysis;

/// <summary>
/// A small OpenAI-compatible chat-completions endpoint on loopback, answering each call with the next
/// scripted reply (the last one repeats) and recording the request bodies it received.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private readonly List<Func<HttpContext, Task>> _replies = [];
    private int _calls;

    private FakeChatServer(WebApplication app) => _app = app;

    /// <summary>The base URL as DATAVISOR_AGENT_BASE_URL takes it (the client appends chat/completions).</summary>
    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>The Authorization header of each request, in order.</summary>
    public IReadOnlyList<string> Authorizations => [.. _authorizations];

    public static async Task<FakeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeChatServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        app.MapPost("/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.TrimEnd('/') + "/v1";
        return server;
    }

    public FakeChatServer Reply(Func<HttpContext, Task> reply)
    {
        _replies.Add(reply);
        return this;
    }

    /// <summary>A completion whose message content is <paramref name="content"/>.</summary>
    public FakeChatServer ReplyWith(string content) => Reply(context => context.Response.WriteAsJsonAsync(new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion",
        created = 1_700_000_000,
        model = "fake-model",
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
    }));

    public FakeChatServer ReplyStatus(int status) => Reply(async context =>
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = new { message = "Incorrect API key provided", type = "invalid_request_error", code = "invalid_api_key" } });
    });

    /// <summary>Answers only when the client gives up (the API's timeout), or after a minute.</summary>
    public FakeChatServer ReplyNever() => Reply(async context =>
    {
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    });

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        _authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
        _requests.Enqueue(await reader.ReadToEndAsync());
        var call = Interlocked.Increment(ref _calls) - 1;
        await _replies[Math.Min(call, _replies.Count - 1)](context);
    }

    /// <summary>The user message of request <paramref name="index"/> that carries the analysis input.</summary>
    public JsonElement Request(int index)
    {
        using var document = JsonDocument.Parse(Requests[index]);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
