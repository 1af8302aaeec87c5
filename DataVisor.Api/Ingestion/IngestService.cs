using System.Diagnostics;
using DataVisor.Api.Images;
using DataVisor.Api.Plugins;
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
/// Runs one ingest, R2's single file or the splits of an R36 import, of COCO or classification JSONL:
/// a single streaming pass per file that stages it into connection-local tables (a COCO file's annotations
/// go straight into <c>annotations</c>, unpublished: <see cref="UnpublishedAnnotations"/>), checks across
/// entries in SQL, then one transaction that publishes everything (contract §5.1, §5.4). Progress goes to
/// an <see cref="IIngestEventSink"/>; every failure ends with an <c>error</c> event and leaves nothing
/// behind.
/// </summary>
public sealed partial class IngestService(
    DuckDbDatabase database,
    IngestPublisher publisher,
    ThumbnailPregenerator thumbnails,
    DataVisorTelemetry telemetry,
    IngestPluginRunner plugins,
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
            var published = await IngestPartsAsync(plan, sink, cancellationToken);
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

    private async Task<PublishedDataset> IngestPartsAsync(IngestPlan plan, IIngestEventSink sink, CancellationToken cancellationToken)
    {
        PublishedDataset published;
        string completion;
        try
        {
            (published, completion) = await StageAndPublishAsync(plan, sink, cancellationToken);
        }
        catch
        {
            // D4: the rows a COCO pass appended straight into `annotations` are not visible (no datasets
            // row), but they must not stay. Runs under the caller's write lease, so shutdown waits for it.
            DeleteUnpublished(plan);
            throw;
        }

        // Committed already: a client gone by now finds the dataset in the list, so the send may fail quietly.
        var imageCount = (int)Math.Min(published.ImageCount, int.MaxValue);
        await TrySendAsync(sink, new IngestEvent(IngestStages.Complete, imageCount, imageCount, completion, plan.DatasetId));
        plugins.IngestCompleted(plan, published);
        return published;
    }

    private void DeleteUnpublished(IngestPlan plan)
    {
        try
        {
            using var cleanup = database.OpenConnection();
            UnpublishedAnnotations.Delete(cleanup, plan.DatasetId);
        }
        catch (DuckDB.NET.Data.DuckDBException ex)
        {
            // Still invisible, and the next start deletes them; the ingest's own failure is the one to report.
            LogCleanupFailed(logger, plan.DatasetId, ex);
        }
    }

    /// <summary>Stages every part, then publishes; returns once the dataset is committed, or throws with nothing published.</summary>
    private async Task<(PublishedDataset Published, string Completion)> StageAndPublishAsync(IngestPlan plan, IIngestEventSink sink, CancellationToken cancellationToken)
    {
        using var connection = database.OpenConnection();
        using var staging = IngestStaging.Create(connection, plan.DatasetId);
        plugins.IngestStarted(plan);

        var skipped = new SkippedRecords(0, 0, 0);
        long orphansSoFar = 0;
        for (var index = 0; index < plan.Parts.Count; index++)
        {
            var part = plan.Parts[index];
            var progress = new IngestProgress(sink, plan.DatasetId);
            if (plan.IsMultiSplitImport)
            {
                var splitNumber = index + 1;
                await progress.SendAsync(
                    new IngestEvent(IngestStages.SplitStart, splitNumber, plan.Parts.Count, $"Starting split: {part.Split} ({splitNumber}/{plan.Parts.Count})", plan.DatasetId, part.Split),
                    cancellationToken);
            }

            var (staged, annotations) = await StagePartAsync(plan, part, staging, progress, orphansSoFar, cancellationToken);
            orphansSoFar += annotations.Orphans;
            await GenerateThumbnailsAsync(connection, plan, part, progress, cancellationToken);

            var partSkipped = new SkippedRecords(annotations.Orphans, staged.EscapingImages, staged.SkippedLines);
            skipped += partSkipped;
            if (plan.IsMultiSplitImport)
            {
                var images = (int)Math.Min(staged.StagedImages, int.MaxValue);
                await progress.SendAsync(
                    new IngestEvent(IngestStages.SplitComplete, images, images, $"Split {part.Split} complete: {staged.StagedImages} images, {annotations.Stored} annotations{partSkipped.Clauses()}", plan.DatasetId),
                    cancellationToken);
            }
        }

        if (plan.Format == IngestRequest.JsonlFormat)
        {
            staging.DeclareLabelUnionAsCategories();
        }

        plugins.ApplySampleHooks(plan, staging, cancellationToken);

        PublishedDataset published;
        using (var commit = DataVisorTelemetry.ActivitySource.StartActivity("ingest.commit"))
        {
            published = await publisher.PublishAsync(connection, plan, cancellationToken);
            commit?.SetTag("datavisor.ingest.images", published.ImageCount);
            commit?.SetTag("datavisor.ingest.annotations", published.AnnotationCount);
        }

        return (published, $"Ingestion complete: {published.ImageCount} images, {published.AnnotationCount} annotations{skipped.Clauses()} (dataset_id={plan.DatasetId})");
    }

    /// <summary>Reads one annotation file into the staging tables and checks it (one part: R2's file, or one R36 split).</summary>
    private async Task<(StagedFile Staged, StagedAnnotationCounts Annotations)> StagePartAsync(
        IngestPlan plan, IngestPart part, IngestStaging staging, IngestProgress progress, long orphansBefore, CancellationToken cancellationToken)
    {
        var connection = staging.Connection;
        StagedFile staged;
        using (var parse = DataVisorTelemetry.ActivitySource.StartActivity("ingest.parse"))
        {
            var classification = plan.Format == IngestRequest.JsonlFormat;
            try
            {
                staged = classification
                    ? await new JsonlFileStager(staging, progress).StageAsync(part, cancellationToken)
                    : await new CocoFileStager(staging, progress).StageAsync(part, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CocoFileException($"Cannot read {part.AnnotationPath}: {ex.Message}");
            }

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
            LogCategoriesSkipped(logger, staged.SkippedCategories, part.AnnotationPath);
        }

        StagedAnnotationCounts annotations;
        using (var resolve = DataVisorTelemetry.ActivitySource.StartActivity("ingest.resolve"))
        {
            if (StagedChecks.FindDuplicateImageId(connection, part.Index) is { } duplicate)
            {
                throw new CocoFileException($"Duplicate image id '{duplicate}' in {part.AnnotationPath}");
            }

            if (part.Index > 0 && StagedChecks.FindSampleIdOfAnEarlierPart(connection, part.Index) is var (sampleId, earlierSplit))
            {
                throw new CocoFileException(
                    $"Sample id '{sampleId}' of split '{part.Split}' is also the id of an image of split '{earlierSplit}' (split name + '_' + image id); rename one of the splits");
            }

            if (plan.Format == IngestRequest.JsonlFormat)
            {
                annotations = StagedChecks.CountAnnotations(connection, part.Index);
            }
            else
            {
                // Orphans are counted over all parts so far (they are deleted only at publish).
                var counted = UnpublishedAnnotations.Count(connection, plan.DatasetId, part.Index);
                annotations = counted with { Orphans = counted.Orphans - orphansBefore };
            }

            resolve?.SetTag("datavisor.ingest.annotations", annotations.Stored);
            resolve?.SetTag("datavisor.ingest.orphans", annotations.Orphans);
        }

        await progress.ParsingFinishedAsync(annotations.Stored, cancellationToken);
        return (staged, annotations);
    }

    /// <summary>The thumbnails stage of one part: pre-generation for that part's samples, resolved against its image folder (§5.4, D25).</summary>
    private async Task GenerateThumbnailsAsync(DuckDB.NET.Data.DuckDBConnection connection, IngestPlan plan, IngestPart part, IngestProgress progress, CancellationToken cancellationToken)
    {
        using (DataVisorTelemetry.ActivitySource.StartActivity("ingest.thumbnails"))
        {
            await thumbnails.RunStageAsync(connection, part.Index, plan.DatasetId, progress, cancellationToken);
        }
    }

    /// <summary>Records left out of the dataset, by kind, reported as clauses of the completion messages (§5.4).</summary>
    private readonly record struct SkippedRecords(long Orphans, long EscapingImages, long InvalidLines)
    {
        public static SkippedRecords operator +(SkippedRecords a, SkippedRecords b) =>
            new(a.Orphans + b.Orphans, a.EscapingImages + b.EscapingImages, a.InvalidLines + b.InvalidLines);

        public string Clauses() =>
            (Orphans > 0 ? $"; {Orphans} annotations skipped (no matching image)" : string.Empty)
            + (EscapingImages > 0 ? $"; {EscapingImages} images skipped (file name outside the image directory)" : string.Empty)
            + (InvalidLines > 0 ? $"; {InvalidLines} lines skipped (not a JSON object with a file name)" : string.Empty);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unpublished annotations of dataset {DatasetId} could not be deleted now; the next start deletes them")]
    private static partial void LogCleanupFailed(ILogger logger, string datasetId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest of {AnnotationPath} failed")]
    private static partial void LogIngestFault(ILogger logger, string annotationPath, Exception exception);
}
