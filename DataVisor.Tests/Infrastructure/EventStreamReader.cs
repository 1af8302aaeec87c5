using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace DataVisor.Tests.Infrastructure;

/// <summary>One server-sent event as a client sees it: its raw frame and when it arrived.</summary>
public sealed record ReceivedEvent(string Frame, JsonElement Data, TimeSpan ArrivedAfter);

/// <summary>
/// Reads a progress stream frame by frame as the frontend does (split on the blank line), recording when
/// each frame arrived, so tests can tell a streamed response from a buffered one.
/// </summary>
public static class EventStreamReader
{
    public static async Task<IReadOnlyList<ReceivedEvent>> ReadAllAsync(HttpResponseMessage response, string separator = "\n\n", CancellationToken cancellationToken = default)
    {
        var events = new List<ReceivedEvent>();
        await foreach (var received in ReadAsync(response, separator, cancellationToken))
        {
            events.Add(received);
        }

        return events;
    }

    public static async IAsyncEnumerable<ReceivedEvent> ReadAsync(
        HttpResponseMessage response,
        string separator = "\n\n",
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[8192];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        var pending = new StringBuilder();
        int read;
        while ((read = await body.ReadAsync(bytes, cancellationToken)) > 0)
        {
            var count = decoder.GetChars(bytes, 0, read, chars, 0);
            pending.Append(chars, 0, count);
            var text = pending.ToString();
            int end;
            while ((end = text.IndexOf(separator, StringComparison.Ordinal)) >= 0)
            {
                var frame = text[..end];
                text = text[(end + separator.Length)..];
                var dataLine = frame.Split(separator == "\n\n" ? "\n" : "\r\n").FirstOrDefault(l => l.StartsWith("data: ", StringComparison.Ordinal));
                if (dataLine is not null)
                {
                    using var document = JsonDocument.Parse(dataLine["data: ".Length..]);
                    yield return new ReceivedEvent(frame, document.RootElement.Clone(), clock.Elapsed);
                }
            }

            pending.Clear().Append(text);
        }
    }
}
