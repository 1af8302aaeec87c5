using System.Diagnostics;
using DataVisor.Api.Images;
using DataVisor.Api.Storage;
using DataVisor.Api.Telemetry;

namespace DataVisor.Api.Ingestion;

/// <summary>How an ingest ended.</summary>
public enum IngestOutcome
{
    Completed,
    Failed,
    Cancelled,
}

/// <summary>
/// Runs one R2 ingest of a COCO or classification JSONL file: a single streaming pass that stages the
/// file into connection-local tables, checks across entries in SQL, then one transaction that publishes
/// everything (contract §5.1, §5.4). Progress
/// goes to an <see cref="IIngestEventSink"/>; every failure ends with an <c>error</c> event and leaves
/// nothing behind.
/// </summary>
public sealed partial class IngestService(
    DuckDbDatabase database,
    IngestPublisher publisher,
    ThumbnailPregenerator thumbnails,
    DataVisorTelemetry telemetry,
    ILogger<IngestService> logger)
{
    public async Task<IngestOutcome> RunAsync(IngestPlan plan, IIngestEventSink sink, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = DataVisorTelemetry.ActivitySource.StartActivity("ingest");
        activity?.SetTag("datavisor.dataset.id", plan.DatasetId);
        activity?.SetTag("datavisor.ingest.format", plan.Format);
        activity?.SetTag("datavisor.ingest.annotation_path", plan.AnnotationPath);

        var outcome = IngestOutcome.Failed;
        try
        {
            // Shutdown waits for this lease, and cancels the token, so an ingest always rolls back or commits.
            using var write = database.BeginWrite();
            var published = await IngestFileAsync(plan, sink, cancellationToken);
            outcome = IngestOutcome.Completed;
            telemetry.IngestedSamples.Add(published.ImageCount);
            telemetry.IngestedAnnotations.Add(published.AnnotationCount);
            LogIngested(logger, published.ImageCount, published.AnnotationCount, published.CategoryCount, plan.AnnotationPath, plan.DatasetId);
        }
        catch (CocoFileException ex)
        {
            LogRejected(logger, plan.AnnotationPath, ex.Message);
            await TrySendAsync(sink, IngestEvent.Error(ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = IngestOutcome.Cancelled;
            LogCancelled(logger, plan.AnnotationPath);
            // Reaches a client only when the service, not the client, stopped the ingest.
            await TrySendAsync(sink, IngestEvent.Error("Ingestion cancelled"));
        }
        catch (OperationCanceledException)
        {
            // BeginWrite refuses new writes once shutdown has begun.
            await TrySendAsync(sink, IngestEvent.Error("Ingestion cancelled: the service is shutting down"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await TrySendAsync(sink, IngestEvent.Error($"Cannot read {plan.AnnotationPath}: {ex.Message}"));
        }
        catch (Exception ex)
        {
            // A fault of the service, not of the file (DuckDB errors included): the stream must still end
            // with an error event (§1.6), and the log keeps the details.
            LogIngestFault(logger, plan.AnnotationPath, ex);
            await TrySendAsync(sink, IngestEvent.Error($"Ingestion of {plan.AnnotationPath} failed: internal error"));
        }
        finally
        {
            activity?.SetTag("datavisor.ingest.outcome", outcome.ToString().ToLowerInvariant());
            if (outcome != IngestOutcome.Completed)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
                // D4: the dataset id was never published, so its whole thumbnail folder belongs to this ingest.
                thumbnails.Discard(plan.DatasetId);
            }

            telemetry.IngestDuration.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
        }

        return outcome;
    }

    private async Task<PublishedDataset> IngestFileAsync(IngestPlan plan, IIngestEventSink sink, CancellationToken cancellationToken)
    {
        var part = new IngestPart(0, plan.AnnotationPath, plan.ImageDir, plan.Split);
        var progress = new IngestProgress(sink, plan.DatasetId);
        using var connection = database.OpenConnection();
        using var staging = IngestStaging.Create(connection);

        StagedFile staged;
        using (var parse = DataVisorTelemetry.ActivitySource.StartActivity("ingest.parse"))
        {
            var classification = plan.Format == IngestRequest.JsonlFormat;
            staged = classification
                ? await new JsonlFileStager(staging, progress).StageAsync(part, cancellationToken)
                : await new CocoFileStager(staging, progress).StageAsync(part, cancellationToken);
            staging.CompleteAppends();
            if (classification)
            {
                staged = staged with { DeclaredCategories = staging.DeclareLabelsAsCategories(part.Index) };
                await progress.SectionEndedAsync(CocoSection.Categories, staged.DeclaredCategories, cancellationToken);
            }

            parse?.SetTag("datavisor.ingest.categories", staged.DeclaredCategories);
            parse?.SetTag("datavisor.ingest.images", staged.StagedImages);
            parse?.SetTag("datavisor.ingest.annotations", staged.StagedAnnotations);
        }

        if (staged.SkippedCategories > 0)
        {
            LogCategoriesSkipped(logger, staged.SkippedCategories, plan.AnnotationPath);
        }

        StagedAnnotationCounts annotations;
        using (var resolve = DataVisorTelemetry.ActivitySource.StartActivity("ingest.resolve"))
        {
            if (StagedChecks.FindDuplicateImageId(connection, part.Index) is { } duplicate)
            {
                throw new CocoFileException($"Duplicate image id '{duplicate}' in {plan.AnnotationPath}");
            }

            annotations = StagedChecks.CountAnnotations(connection, part.Index);
            resolve?.SetTag("datavisor.ingest.annotations", annotations.Stored);
            resolve?.SetTag("datavisor.ingest.orphans", annotations.Orphans);
        }

        await progress.ParsingFinishedAsync(annotations.Stored, cancellationToken);

        using (DataVisorTelemetry.ActivitySource.StartActivity("ingest.thumbnails"))
        {
            await thumbnails.RunStageAsync(connection, part.Index, plan.DatasetId, progress, cancellationToken);
        }

        PublishedDataset published;
        using (var commit = DataVisorTelemetry.ActivitySource.StartActivity("ingest.commit"))
        {
            published = await publisher.PublishAsync(connection, plan, cancellationToken);
            commit?.SetTag("datavisor.ingest.images", published.ImageCount);
            commit?.SetTag("datavisor.ingest.annotations", published.AnnotationCount);
        }

        var imageCount = (int)Math.Min(published.ImageCount, int.MaxValue);
        var message = $"Ingestion complete: {published.ImageCount} images, {published.AnnotationCount} annotations"
            + (annotations.Orphans > 0 ? $"; {annotations.Orphans} annotations skipped (no matching image)" : string.Empty)
            + (staged.EscapingImages > 0 ? $"; {staged.EscapingImages} images skipped (file name outside the image directory)" : string.Empty)
            + (staged.SkippedLines > 0 ? $"; {staged.SkippedLines} lines skipped (not a JSON object with a file name)" : string.Empty)
            + $" (dataset_id={plan.DatasetId})";
        // Committed already: a client gone by now finds the dataset in the list, so the send may fail quietly.
        await TrySendAsync(sink, new IngestEvent(IngestStages.Complete, imageCount, imageCount, message, plan.DatasetId));
        return published;
    }

    private static async Task TrySendAsync(IIngestEventSink sink, IngestEvent ingestEvent)
    {
        try
        {
            await sink.SendAsync(ingestEvent, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // The client has gone; there is nobody left to tell.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested {ImageCount} images, {AnnotationCount} annotations and {CategoryCount} categories from {AnnotationPath} as dataset {DatasetId}")]
    private static partial void LogIngested(ILogger logger, long imageCount, long annotationCount, long categoryCount, string annotationPath, string datasetId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest of {AnnotationPath} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string annotationPath, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest of {AnnotationPath} cancelled and rolled back")]
    private static partial void LogCancelled(ILogger logger, string annotationPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {Count} categories without id or name in {AnnotationPath}")]
    private static partial void LogCategoriesSkipped(ILogger logger, long count, string annotationPath);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest of {AnnotationPath} failed")]
    private static partial void LogIngestFault(ILogger logger, string annotationPath, Exception exception);
}
