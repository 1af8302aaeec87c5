using DataVisor.Api.Configuration;
using DataVisor.Api.Datasets;
using DataVisor.Api.Ingestion;
using DataVisor.Api.Predictions;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Demo;

/// <summary>
/// A newcomer has no dataset at hand: with <c>DATAVISOR_DEMO_DATASET=true</c> the service generates the
/// demo dataset next to its database and ingests it through the ordinary ingest, once. A marker file
/// records that it happened, so a user who deletes the demo does not get it back on the next start.
/// </summary>
public sealed partial class DemoDatasetSeeder(
    IOptions<DataVisorOptions> options,
    IngestPlanner planner,
    IngestService ingest,
    PredictionImporter predictions,
    ILogger<DemoDatasetSeeder> logger) : BackgroundService
{
    public const string DatasetName = "demo-shapes";

    /// <summary>The demo's prediction run: a detector with deliberate mistakes to compare with ground truth.</summary>
    public const string RunName = "demo-detector";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DemoDataset)
        {
            return;
        }

        var folder = Path.Combine(Path.GetDirectoryName(options.Value.DatabasePath)!, "demo");
        var marker = Path.Combine(folder, ".ingested");
        if (File.Exists(marker))
        {
            return;
        }

        // Generation and ingest are CPU work: keep them off the startup path so /health answers at once.
        await Task.Yield();
        var files = DemoDatasetGenerator.Write(folder);
        var (plan, rejection) = planner.Plan(new IngestRequest(files.AnnotationPath, files.ImageDirectory, DatasetName, IngestRequest.CocoFormat, Split: null));
        if (plan is null)
        {
            LogDemoRejected(logger, rejection?.Detail ?? "unknown reason");
            return;
        }

        var sink = new LoggingSink(logger);
        if (await ingest.RunAsync(plan, sink, stoppingToken) != IngestOutcome.Completed)
        {
            return;
        }

        var imported = await predictions.ImportAsync(
            plan.DatasetId, new PredictionImportRequest(files.PredictionPath, PredictionFormat.Coco, RunName, Split: null), stoppingToken);
        if (imported.Imported is null)
        {
            LogDemoRejected(logger, imported.Detail ?? "prediction import failed");
        }

        await File.WriteAllTextAsync(marker, plan.DatasetId, CancellationToken.None);
        LogDemoIngested(logger, plan.DatasetId, files.ImageCount, files.AnnotationCount, imported.Imported?.PredictionCount ?? 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo dataset ingested as {DatasetId}: {Images} images, {Annotations} boxes, {Predictions} predictions")]
    private static partial void LogDemoIngested(ILogger logger, string datasetId, int images, int annotations, long predictions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo dataset not ingested: {Reason}")]
    private static partial void LogDemoRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo dataset ingest failed: {Message}")]
    private static partial void LogDemoFailed(ILogger logger, string message);

    /// <summary>Nobody watches this ingest's stream; only its failure is worth a log line.</summary>
    private sealed class LoggingSink(ILogger logger) : IIngestEventSink
    {
        public Task SendAsync(IngestEvent ingestEvent, CancellationToken cancellationToken)
        {
            if (ingestEvent.Stage == IngestStages.Error)
            {
                LogDemoFailed(logger, ingestEvent.Message);
            }

            return Task.CompletedTask;
        }

        public Task KeepAliveAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
