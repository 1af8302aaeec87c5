using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using DataVisor.Api.Jobs;
using DataVisor.Api.Telemetry;

namespace DataVisor.Api.AutoTagging;

/// <summary>
/// R33's job (§6.13). Samples go in ordinal order of id, in batches of <see cref="BatchSize"/>: a producer
/// decodes and measures each batch with <see cref="DecodeWorkers"/> images in parallel (and asks the
/// optional model), while this task merges the previous batch's words into the samples, with at most two
/// measured batches waiting.
/// </summary>
/// <remarks>
/// Cancellation and failure (§2.9, §4.13): each batch is merged in one transaction, and the job stops only
/// between batches, so a stopped job has merged whole batches and never half of one. It keeps them: tags
/// are only ever appended, so nothing stored before the job (user, triage or earlier auto-tags) is changed
/// or lost, and re-running the job adds no duplicates. Writing everything at the end instead would hold
/// every result in memory and the row-update gate for one long transaction over the whole dataset.
/// </remarks>
internal sealed partial class AutoTagJob
{
    public const int BatchSize = 64;

    /// <summary>Decoding is CPU-bound: one worker per core, at most four, leaving the writer its turn.</summary>
    public static readonly int DecodeWorkers = Math.Clamp(Environment.ProcessorCount, 1, 4);

    private readonly AutoTagStore _store;
    private readonly VisionLanguageTagger _model;
    private readonly AutoTagPacing _pacing;
    private readonly ILogger<AutoTagJob> _logger;
    private readonly Counter<long> _imagesTagged;
    private readonly Counter<long> _modelFailures;

    public AutoTagJob(AutoTagStore store, VisionLanguageTagger model, AutoTagPacing pacing, DataVisorTelemetry telemetry, ILogger<AutoTagJob> logger)
    {
        _store = store;
        _model = model;
        _pacing = pacing;
        _logger = logger;
        _imagesTagged = telemetry.Meter.CreateCounter<long>(
            "datavisor.autotag.images", unit: "{image}", description: "Images processed by auto-tagging jobs, by outcome (tagged or unreadable).");
        _modelFailures = telemetry.Meter.CreateCounter<long>(
            "datavisor.autotag.model_failures", unit: "{image}", description: "Images whose vision-language model call failed (built-in tags still applied).");
    }

    public async Task<AutoTagProgress> RunAsync(string datasetId, JobContext<AutoTagProgress> job)
    {
        var cancellationToken = job.CancellationToken;
        // The registry runs each job under its own activity, which is current here.
        var activity = Activity.Current;
        activity?.SetTag("datavisor.auto_tag.model", _model.ModelName ?? "builtin");
        var samples = _store.LoadSamples(datasetId);
        var total = samples.Count;
        activity?.SetTag("datavisor.auto_tag.samples", total);
        if (total == 0)
        {
            return AutoTagProgress.NoSamples;
        }

        job.Report(AutoTagProgress.Running(0, total));
        var batches = Channel.CreateBounded<TaggedBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stopMeasuring = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => MeasureAsync(samples, batches.Writer, stopMeasuring.Token), CancellationToken.None);
        int processed = 0, tagged = 0, unreadable = 0, modelFailures = 0;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
            {
                // The batch boundary: a cancelled job writes nothing more.
                cancellationToken.ThrowIfCancellationRequested();
                await _store.MergeAsync(datasetId, batch.Samples, cancellationToken);
                processed += batch.Samples.Count;
                tagged += batch.Samples.Count(sample => sample.Words.Count > 0);
                unreadable += batch.Unreadable;
                modelFailures += batch.ModelFailures;
                job.Report(AutoTagProgress.Running(processed, total));
            }
        }
        finally
        {
            await stopMeasuring.CancelAsync();
            await producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            activity?.SetTag("datavisor.auto_tag.processed", processed);
            activity?.SetTag("datavisor.auto_tag.tagged", tagged);
            activity?.SetTag("datavisor.auto_tag.unreadable", unreadable);
            activity?.SetTag("datavisor.auto_tag.model_failures", modelFailures);
        }

        await producer; // a producer fault (not a cancellation) fails the job
        cancellationToken.ThrowIfCancellationRequested();
        if (unreadable > 0 || modelFailures > 0)
        {
            LogSummary(_logger, datasetId, total, unreadable, modelFailures);
        }

        return AutoTagProgress.Complete(tagged, total);
    }

    private async Task MeasureAsync(List<SampleImageFile> samples, ChannelWriter<TaggedBatch> writer, CancellationToken cancellationToken)
    {
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = DecodeWorkers, CancellationToken = cancellationToken };
            for (var start = 0; start < samples.Count; start += BatchSize)
            {
                await _pacing.BeforeBatchAsync(start, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(BatchSize, samples.Count - start);
                var results = new SampleResult[count];
                await Parallel.ForAsync(0, count, parallel, async (offset, token) => results[offset] = await TagAsync(samples[start + offset], token));
                await writer.WriteAsync(
                    new TaggedBatch(
                        [.. results.Select(result => result.Words)],
                        results.Count(result => result.Unreadable),
                        results.Count(result => result.ModelFailed)),
                    cancellationToken);
            }

            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
            throw;
        }
    }

    private async Task<SampleResult> TagAsync(SampleImageFile sample, CancellationToken cancellationToken)
    {
        using var image = BuiltInTagger.Decode(sample.Path);
        if (image is null)
        {
            LogUnreadable(_logger, sample.SampleId, sample.Path);
            _imagesTagged.Add(1, new KeyValuePair<string, object?>("datavisor.auto_tag.outcome", "unreadable"));
            return new SampleResult(new SampleWords(sample.SampleId, []), Unreadable: true, ModelFailed: false);
        }

        List<string> words = [BuiltInTagger.Lighting(image.Measurements), BuiltInTagger.Clarity(image.Measurements)];
        var modelFailed = false;
        if (_model.IsConfigured)
        {
            var answers = await _model.AskAsync(sample.SampleId, image.Pixels, cancellationToken);
            words.AddRange(answers.Words);
            modelFailed = answers.Failed;
            if (modelFailed)
            {
                _modelFailures.Add(1);
            }
        }

        _imagesTagged.Add(1, new KeyValuePair<string, object?>("datavisor.auto_tag.outcome", "tagged"));
        return new SampleResult(new SampleWords(sample.SampleId, words), Unreadable: false, ModelFailed: modelFailed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Auto-tagging could not read the image of sample {SampleId} ({Path})")]
    private static partial void LogUnreadable(ILogger logger, string sampleId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auto-tagging of dataset {DatasetId}: {Unreadable} of {Total} images unreadable, {ModelFailures} model failures")]
    private static partial void LogSummary(ILogger logger, string datasetId, int total, int unreadable, int modelFailures);

    private readonly record struct SampleResult(SampleWords Words, bool Unreadable, bool ModelFailed);

    /// <summary>One batch's words (empty for unreadable images, which still count as processed).</summary>
    private sealed record TaggedBatch(IReadOnlyList<SampleWords> Samples, int Unreadable, int ModelFailures);
}
