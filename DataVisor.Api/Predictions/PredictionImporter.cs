using DataVisor.Api.Configuration;
using DataVisor.Api.Ingestion;
using DataVisor.Api.Storage;
using DataVisor.Api.Telemetry;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Predictions;

/// <summary>R6's answer: either the imported run or a refusal with its status and exact message.</summary>
public sealed record PredictionImportOutcome(PredictionImportResponse? Imported, int Status, string? Detail)
{
    public static PredictionImportOutcome Refused(int status, string detail) => new(null, status, detail);
}

/// <summary>
/// Contract §4.2 R6 and §5.6: checks the request in the contract's order, reads the file into connection-local
/// staging (outside any lock, since files may be large), then hands the swap to <see cref="PredictionRunStore"/>.
/// </summary>
public sealed partial class PredictionImporter(DuckDbDatabase database, PredictionRunStore runs, IOptions<DataVisorOptions> options, ILogger<PredictionImporter> logger)
{
    public const string GroundTruth = "ground_truth";
    public const string FallbackRunName = "prediction";

    public async Task<PredictionImportOutcome> ImportAsync(string datasetId, PredictionImportRequest request, CancellationToken cancellationToken)
    {
        using var connection = database.OpenConnection();
        if (connection.Scalar("SELECT 1 FROM datasets WHERE id = $id", ("id", datasetId)) is null)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status404NotFound, "Dataset not found");
        }

        if (request.RunName == GroundTruth)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status400BadRequest, "run_name 'ground_truth' is reserved");
        }

        if (request.RunName?.Contains(',', StringComparison.Ordinal) == true)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status400BadRequest, "run_name must not contain commas");
        }

        if (request.Split is { } split
            && connection.Scalar("SELECT 1 FROM samples WHERE dataset_id = $id AND split = $split LIMIT 1", ("id", datasetId), ("split", split)) is null)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status400BadRequest, $"Unknown split '{split}'");
        }

        if (DataPaths.IsCloudPath(request.PredictionPath))
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status400BadRequest, DataPaths.CloudNotSupported);
        }

        var cannotExist = DataPaths.CannotExist(request.PredictionPath);
        var path = cannotExist ? request.PredictionPath : DataPaths.Normalize(request.PredictionPath);
        if (!cannotExist && !DataPaths.IsAllowed(path, options.Value.DataRoots))
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status403Forbidden, DataPaths.OutsideRootsMessage(path));
        }

        var missing = request.Format switch
        {
            PredictionFormat.Coco when cannotExist || !File.Exists(path) => $"Prediction file not found: {path}",
            PredictionFormat.DetectionAnnotation when cannotExist || !Directory.Exists(path) => $"Expected a directory for detection_annotation format: {path}",
            PredictionFormat.ClassificationJsonl when cannotExist || !File.Exists(path) => $"Expected a JSONL file for classification_jsonl format: {path}",
            _ => null,
        };
        if (missing is not null)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status400BadRequest, missing);
        }

        using var activity = DataVisorTelemetry.ActivitySource.StartActivity("predictions.import");
        activity?.SetTag("datavisor.dataset_id", datasetId);
        activity?.SetTag("datavisor.prediction_format", request.Format.ToString());
        using var staging = PredictionStaging.Create(connection);
        string runName;
        long items;
        try
        {
            switch (request.Format)
            {
                case PredictionFormat.DetectionAnnotation:
                    var files = DetectionAnnotationReader.ListFiles(path);
                    runName = request.RunName ?? CleanDerived(await DetectionAnnotationReader.DeriveRunNameAsync(files, cancellationToken));
                    items = await DetectionAnnotationReader.ReadAsync(files, staging, cancellationToken);
                    break;
                case PredictionFormat.ClassificationJsonl:
                    runName = request.RunName ?? CleanDerived(Path.GetFileNameWithoutExtension(path));
                    items = await ClassificationPredictionReader.ReadAsync(path, staging, cancellationToken);
                    break;
                default:
                    runName = request.RunName ?? CleanDerived(Path.GetFileNameWithoutExtension(path));
                    items = await CocoResultsReader.ReadAsync(path, staging, cancellationToken);
                    break;
            }
        }
        catch (InvalidPredictionFileException ex)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status400BadRequest, $"Invalid prediction file: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status400BadRequest, $"Invalid prediction file: {ex.Message}");
        }

        staging.CompleteAppends();
        var replaced = await runs.ReplaceAsync(connection, datasetId, runName, request.Split, request.Format, cancellationToken);
        if (replaced is not { } counts)
        {
            return PredictionImportOutcome.Refused(StatusCodes.Status404NotFound, "Dataset not found");
        }

        var (stored, matchedFiles) = counts;
        var skipped = request.Format == PredictionFormat.DetectionAnnotation ? items - matchedFiles : items - stored;
        activity?.SetTag("datavisor.run_name", runName);
        activity?.SetTag("datavisor.stored", stored);
        activity?.SetTag("datavisor.skipped", skipped);
        LogImported(logger, datasetId, runName, stored, skipped);
        var message = skipped > 0
            ? $"Imported {stored} predictions ({skipped} skipped \u2014 unmatched files or categories)"
            : $"Imported {stored} predictions";
        return new PredictionImportOutcome(new PredictionImportResponse(datasetId, runName, stored, skipped, message), StatusCodes.Status200OK, null);
    }

    /// <summary>§5.6.4: a derived name never contains commas and never is <c>ground_truth</c>.</summary>
    public static string CleanDerived(string? derived)
    {
        if (string.IsNullOrWhiteSpace(derived))
        {
            return FallbackRunName;
        }

        var name = derived.Replace(',', '_');
        return name == GroundTruth ? "ground_truth_prediction" : name;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported prediction run {RunName} into dataset {DatasetId}: {Stored} rows, {Skipped} skipped")]
    private static partial void LogImported(ILogger logger, string datasetId, string runName, long stored, long skipped);
}
