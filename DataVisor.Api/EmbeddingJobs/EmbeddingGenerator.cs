using System.Diagnostics;
using System.Threading.Channels;
using DataVisor.Api.Telemetry;

namespace DataVisor.Api.EmbeddingJobs;

/// <summary>
/// The R22 job (§6.10). One task decodes and preprocesses the next batches (the decode costs as much as the
/// forward pass) while this one runs the model, with at most two decoded batches waiting. Vectors go to a
/// staging table and replace the model's previous ones only when every batch succeeded.
/// </summary>
internal sealed class EmbeddingGenerator(EmbeddingStore store, IEmbeddingModelCatalog models, DataVisorTelemetry telemetry)
{
    public const int BatchSize = 32;

    private readonly System.Diagnostics.Metrics.Counter<long> _imagesEmbedded = telemetry.Meter.CreateCounter<long>(
        "datavisor.embedding.images", unit: "{image}", description: "Images embedded by generation jobs (published or not).");

    public async Task<EmbeddingProgress> RunAsync(string datasetId, string modelName, Jobs.JobContext<EmbeddingProgress> job)
    {
        var cancellationToken = job.CancellationToken;
        var samples = store.LoadSamples(datasetId);
        var total = samples.Count;
        if (total == 0)
        {
            return new EmbeddingProgress("complete", 0, 0, "No samples to embed");
        }

        job.Report(EmbeddingProgress.Running(0, total));
        var model = await Task.Run(() => models.Load(modelName), cancellationToken);
        using var staging = store.BeginStaging();
        var batches = Channel.CreateBounded<DecodedBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stopDecoding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var decoder = Task.Run(() => Decode(samples, model, batches.Writer, stopDecoding.Token), CancellationToken.None);
        int processed = 0, embedded = 0;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (batch.SampleIds.Count > 0)
                {
                    using var span = DataVisorTelemetry.ActivitySource.StartActivity("embedding batch");
                    var started = Stopwatch.GetTimestamp();
                    var vectors = model.Embed(batch.Pixels, batch.SampleIds.Count);
                    staging.Append(batch.SampleIds, vectors, model.Dimension);
                    _imagesEmbedded.Add(batch.SampleIds.Count, new KeyValuePair<string, object?>("datavisor.embedding.model", modelName));
                    span?.SetTag("datavisor.batch.images", batch.SampleIds.Count);
                    span?.SetTag("datavisor.batch.images_per_second", batch.SampleIds.Count / Math.Max(1e-9, Stopwatch.GetElapsedTime(started).TotalSeconds));
                }

                processed += batch.Attempted;
                embedded += batch.SampleIds.Count;
                job.Report(EmbeddingProgress.Running(processed, total));
            }
        }
        finally
        {
            await stopDecoding.CancelAsync();
            await decoder.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await decoder; // a decoder fault (not a cancellation) fails the job
        cancellationToken.ThrowIfCancellationRequested();
        if (!await staging.PublishAsync(datasetId, modelName, cancellationToken))
        {
            return EmbeddingProgress.DatasetDeleted;
        }

        var skipped = total - embedded;
        var message = skipped > 0 ? $"Generated {embedded} embeddings ({skipped} images skipped)" : $"Generated {embedded} embeddings";
        return new EmbeddingProgress("complete", processed, total, message);
    }

    private static async Task Decode(List<SampleImageFile> samples, IImageEmbedder model, ChannelWriter<DecodedBatch> writer, CancellationToken cancellationToken)
    {
        try
        {
            for (var start = 0; start < samples.Count; start += BatchSize)
            {
                var count = Math.Min(BatchSize, samples.Count - start);
                var pixels = new float[count * model.ValuesPerImage];
                var decoded = new List<string>(count);
                for (var index = start; index < start + count; index++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var slot = pixels.AsSpan(decoded.Count * model.ValuesPerImage, model.ValuesPerImage);
                    if (model.TryPreprocess(samples[index].Path, slot))
                    {
                        decoded.Add(samples[index].SampleId);
                    }
                }

                if (decoded.Count < count)
                {
                    // The forward pass takes exactly count x image floats: drop the unused tail.
                    Array.Resize(ref pixels, decoded.Count * model.ValuesPerImage);
                }

                await writer.WriteAsync(new DecodedBatch(decoded, pixels, count), cancellationToken);
            }

            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
            throw;
        }
    }

    /// <summary>Preprocessed images of one batch; <see cref="Attempted"/> counts the skipped ones too.</summary>
    private sealed record DecodedBatch(List<string> SampleIds, float[] Pixels, int Attempted);
}
