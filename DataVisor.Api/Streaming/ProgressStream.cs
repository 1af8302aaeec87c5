using System.Buffers;
using System.Text;
using System.Text.Json;

namespace DataVisor.Api.Streaming;

/// <summary>
/// Server-sent event framing of the contract's two progress dialects. Dialect A (ingest streams, §1.6)
/// is <c>data: {json}\n\n</c>; dialect B (job progress, §1.7) is
/// <c>event: progress\r\ndata: {json}\r\n\r\n</c>. Every frame is flushed at once.
/// </summary>
public sealed class ProgressStream
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private readonly HttpResponse _response;
    private readonly JsonSerializerOptions _json;

    private ProgressStream(HttpResponse response, JsonSerializerOptions json)
    {
        _response = response;
        _json = json;
    }

    /// <summary>Sends the status line and the headers that keep proxies from buffering the stream.</summary>
    public static async Task<ProgressStream> StartAsync(HttpContext context, JsonSerializerOptions json)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        if (context.Request.Protocol == "HTTP/1.1")
        {
            response.Headers.Connection = "keep-alive";
        }

        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted);
        return new ProgressStream(response, json);
    }

    /// <summary>Dialect A: <c>data: {json}\n\n</c>.</summary>
    public async Task WriteDataAsync<T>(T payload, CancellationToken cancellationToken)
    {
        var body = _response.BodyWriter;
        body.Write(DataPrefix);
        body.Write(JsonSerializer.SerializeToUtf8Bytes(payload, _json));
        body.Write("\n\n"u8);
        await body.FlushAsync(cancellationToken);
    }

    /// <summary>Dialect B: <c>event: progress\r\ndata: {json}\r\n\r\n</c>.</summary>
    public async Task WriteProgressEventAsync<T>(T payload, CancellationToken cancellationToken)
    {
        var body = _response.BodyWriter;
        body.Write("event: progress\r\n"u8);
        body.Write(DataPrefix);
        body.Write(JsonSerializer.SerializeToUtf8Bytes(payload, _json));
        body.Write("\r\n\r\n"u8);
        await body.FlushAsync(cancellationToken);
    }

    /// <summary>A comment frame that keeps idle connections open; dialect A uses <c>:\n\n</c>.</summary>
    public async Task WriteCommentAsync(string text, string lineEnding, CancellationToken cancellationToken)
    {
        var body = _response.BodyWriter;
        body.Write(Encoding.UTF8.GetBytes($":{text}{lineEnding}{lineEnding}"));
        await body.FlushAsync(cancellationToken);
    }
}
