using System.Collections.Concurrent;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace DataVisor.Tests.Analysis;

/// <summary>
/// A small OpenAI-compatible chat-completions endpoint on loopback, answering each call with the next
/// scripted reply (the last one repeats) and recording the request bodies it received.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private readonly List<Func<HttpContext, Task>> _replies = [];
    private int _calls;

    private FakeOpenAiEndpoint? _endpoint;

    private FakeChatServer()
    {
    }

    /// <summary>The base URL as DATAVISOR_AGENT_BASE_URL takes it (the client appends chat/completions).</summary>
    public string BaseUrl => _endpoint!.BaseUrl;

    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>The Authorization header of each request, in order.</summary>
    public IReadOnlyList<string> Authorizations => [.. _authorizations];

    public static async Task<FakeChatServer> StartAsync()
    {
        var server = new FakeChatServer();
        server._endpoint = await FakeOpenAiEndpoint.StartAsync(server.HandleAsync);
        return server;
    }

    public FakeChatServer Reply(Func<HttpContext, Task> reply)
    {
        _replies.Add(reply);
        return this;
    }

    /// <summary>A completion whose message content is <paramref name="content"/>.</summary>
    public FakeChatServer ReplyWith(string content) => Reply(context => FakeOpenAiEndpoint.WriteCompletionAsync(context, content));

    public FakeChatServer ReplyStatus(int status) => Reply(context =>
        FakeOpenAiEndpoint.WriteErrorAsync(context, status, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"));

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

    public ValueTask DisposeAsync() => _endpoint?.DisposeAsync() ?? ValueTask.CompletedTask;
}
