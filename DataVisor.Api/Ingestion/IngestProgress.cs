using System.Diagnostics;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Emits the parsing stages in the order the contract fixes (§5.4: categories, parsing_images,
/// parsing_annotations) although the file may hold its arrays in any order. A stage reports live, one event
/// per 1000 staged records, while every stage before it has already finished; otherwise its events are
/// held back and replayed, batch by batch, once the stages before it are done. The annotations stage ends
/// only after the pass, when orphans are known, because its final count is the number actually stored.
/// </summary>
public sealed class IngestProgress(IIngestEventSink sink, string datasetId)
{
    public const int BatchSize = 1000;

    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private readonly long[] _staged = new long[3];
    private readonly bool[] _ended = new bool[3];
    private readonly long[] _reported = new long[3];
    private long? _storedAnnotations;
    private CocoSection? _next = CocoSection.Categories;
    private long _lastSent = Stopwatch.GetTimestamp();

    /// <summary>Called after each staged record with the section's running count.</summary>
    public async Task RecordStagedAsync(CocoSection section, long count, CancellationToken cancellationToken)
    {
        _staged[(int)section] = count;
        // A batch is reported when the record after it arrives, so the final event never repeats it.
        if (section == _next && section != CocoSection.Categories && count > 1 && (count - 1) % BatchSize == 0)
        {
            await SendBatchAsync(section, count - 1, cancellationToken);
        }
    }

    public async Task SectionEndedAsync(CocoSection section, long count, CancellationToken cancellationToken)
    {
        _staged[(int)section] = count;
        _ended[(int)section] = true;
        await FlushAsync(cancellationToken);
    }

    /// <summary>After the pass: absent arrays count as empty, and annotations end with the stored count.</summary>
    public async Task ParsingFinishedAsync(long storedAnnotations, CancellationToken cancellationToken)
    {
        Array.Fill(_ended, true);
        _storedAnnotations = storedAnnotations;
        await FlushAsync(cancellationToken);
    }

    public Task SendAsync(IngestEvent ingestEvent, CancellationToken cancellationToken)
    {
        _lastSent = Stopwatch.GetTimestamp();
        return sink.SendAsync(ingestEvent, cancellationToken);
    }

    /// <summary>Sends a keep-alive frame when nothing was sent for a while (a long pass with held-back stages).</summary>
    public async Task KeepAliveIfIdleAsync(CancellationToken cancellationToken)
    {
        if (Stopwatch.GetElapsedTime(_lastSent) >= KeepAliveInterval)
        {
            _lastSent = Stopwatch.GetTimestamp();
            await sink.KeepAliveAsync(cancellationToken);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (_next is { } stage && _ended[(int)stage])
        {
            if (stage == CocoSection.Categories)
            {
                var declared = Count(_staged[(int)stage]);
                await SendAsync(new IngestEvent(IngestStages.Categories, declared, declared, $"Loaded {declared} categories", datasetId), cancellationToken);
                _next = CocoSection.Images;
                continue;
            }

            long final;
            if (stage == CocoSection.Images)
            {
                final = _staged[(int)stage];
            }
            else if (_storedAnnotations is { } stored)
            {
                final = stored;
            }
            else
            {
                return;
            }

            for (var batch = (_reported[(int)stage] / BatchSize + 1) * BatchSize; batch < final; batch += BatchSize)
            {
                await SendBatchAsync(stage, batch, cancellationToken);
            }

            var count = Count(final);
            await SendAsync(new IngestEvent(StageName(stage), count, count, $"Parsed {count} {Noun(stage)}", datasetId), cancellationToken);
            _next = stage == CocoSection.Images ? CocoSection.Annotations : null;
        }
    }

    private Task SendBatchAsync(CocoSection section, long count, CancellationToken cancellationToken)
    {
        _reported[(int)section] = count;
        var current = Count(count);
        return SendAsync(new IngestEvent(StageName(section), current, null, $"Parsed {current} {Noun(section)}", datasetId), cancellationToken);
    }

    private static string StageName(CocoSection section) =>
        section == CocoSection.Images ? IngestStages.ParsingImages : IngestStages.ParsingAnnotations;

    private static string Noun(CocoSection section) => section == CocoSection.Images ? "images" : "annotations";

    private static int Count(long value) => (int)Math.Min(value, int.MaxValue);
}
