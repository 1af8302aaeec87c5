using DataVisor.Api.Configuration;
using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Storage;
using DataVisor.Api.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Ingestion;

/// <summary>R35 response.</summary>
public sealed record ScanResponse(string RootPath, string DatasetName, string Format, IReadOnlyList<ScannedSplit> Splits, IReadOnlyList<string> Warnings);

/// <summary>R37 response.</summary>
public sealed record BrowseResponse(string Path, IReadOnlyList<BrowseEntry> Entries);

/// <summary>One event of the R36 stream: the R2 event plus the split most recently started (§4.12).</summary>
public sealed record ImportEvent(string Stage, int Current, int? Total, string Message, string? Split, string? DatasetId);

/// <summary>
/// The ingestion wizard (contract §4.12): scan a folder for importable splits (R35), import them as one
/// dataset (R36, dialect A), and browse folders for the picker (R37).
/// </summary>
public static class WizardEndpoints
{
    private const string PathRequired = "Path is required";
    private const string DirectoryNotFound = "Directory not found";
    private const string DirectoryNotFoundInDocker = "Directory not found. If running in Docker, ensure the directory is volume-mounted.";

    public static RouteGroupBuilder MapWizard(this RouteGroupBuilder group)
    {
        group.MapPost("/scan", ScanFolder);
        group.MapPost("/import", ImportDataset);
        group.MapPost("/browse", BrowseFolder);
        return group;
    }

    public static async Task<Results<Ok<ScanResponse>, UnprocessableEntity<ValidationErrorResponse>, JsonHttpResult<ErrorDetail>>> ScanFolder(
        HttpRequest request, IOptions<DataVisorOptions> options, CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadObjectAsync(request, cancellationToken);
        var rootPath = body.RequiredString("root_path");
        if (body.Problem is { } problem)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        if (string.IsNullOrWhiteSpace(rootPath))
        {
            return Error(StatusCodes.Status400BadRequest, PathRequired);
        }

        if (DataPaths.IsCloudPath(rootPath))
        {
            return Error(StatusCodes.Status400BadRequest, DataPaths.CloudNotSupported);
        }

        if (DataPaths.CannotExist(rootPath))
        {
            return Error(StatusCodes.Status400BadRequest, DirectoryNotFoundInDocker);
        }

        var root = DataPaths.Normalize(rootPath);
        if (!DataPaths.IsAllowed(root, options.Value.DataRoots))
        {
            return Error(StatusCodes.Status403Forbidden, DataPaths.OutsideRootsMessage(root));
        }

        if (File.Exists(root))
        {
            return Error(StatusCodes.Status400BadRequest, $"Path is not a directory: {root}");
        }

        if (!Directory.Exists(root))
        {
            return Error(StatusCodes.Status400BadRequest, DirectoryNotFoundInDocker);
        }

        var scan = FolderScanner.Scan(root);
        if (scan.Splits.Count == 0)
        {
            return Error(StatusCodes.Status404NotFound, "No importable datasets detected in this directory");
        }

        return TypedResults.Ok(new ScanResponse(root, Path.GetFileName(root), scan.Format, scan.Splits, scan.Warnings));
    }

    /// <summary>R36: request-level problems answer as JSON; everything after that goes down the stream.</summary>
    public static async Task<Results<EmptyHttpResult, UnprocessableEntity<ValidationErrorResponse>, JsonHttpResult<ErrorDetail>>> ImportDataset(
        HttpContext context,
        ImportPlanner planner,
        IngestService ingest,
        DuckDbDatabase database,
        IHostApplicationLifetime lifetime,
        IOptions<JsonOptions> json)
    {
        var body = await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        var (request, problem) = ImportRequest.From(body);
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        var (plan, rejection) = planner.Plan(request!);
        if (rejection is not null)
        {
            return Error(rejection.StatusCode, rejection.Detail);
        }

        if (database.IsClosing)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, "The service is shutting down");
        }

        return await IngestEndpoints.StreamAsync(context, plan!, ingest, lifetime, json.Value.SerializerOptions, sink => new ImportEventSink(sink));
    }

    public static async Task<Results<Ok<BrowseResponse>, UnprocessableEntity<ValidationErrorResponse>, JsonHttpResult<ErrorDetail>>> BrowseFolder(
        HttpRequest request, IOptions<DataVisorOptions> options, CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadObjectAsync(request, cancellationToken);
        var requested = body.RequiredString("path");
        if (body.Problem is { } problem)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        var trimmed = requested!.Trim();
        if (trimmed.Length == 0)
        {
            return Error(StatusCodes.Status400BadRequest, PathRequired);
        }

        if (DataPaths.IsCloudPath(trimmed))
        {
            return Error(StatusCodes.Status400BadRequest, DataPaths.CloudNotSupported);
        }

        if (DataPaths.CannotExist(trimmed))
        {
            return Error(StatusCodes.Status400BadRequest, DirectoryNotFound);
        }

        var folder = DataPaths.Normalize(trimmed);
        var roots = options.Value.DataRoots;
        var towardsRoots = DataPaths.IsAllowed(folder, roots) ? null : FolderBrowser.ListTowardsRoots(folder, roots);
        if (!DataPaths.IsAllowed(folder, roots) && towardsRoots is null)
        {
            return Error(StatusCodes.Status403Forbidden, DataPaths.OutsideRootsMessage(folder));
        }

        if (!Directory.Exists(folder))
        {
            return Error(StatusCodes.Status400BadRequest, DirectoryNotFound);
        }

        try
        {
            return TypedResults.Ok(new BrowseResponse(folder, towardsRoots ?? FolderBrowser.List(folder)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return Error(StatusCodes.Status400BadRequest, $"Cannot list directory: {ex.Message}");
        }
    }

    private static JsonHttpResult<ErrorDetail> Error(int status, string detail) => TypedResults.Json(new ErrorDetail(detail), statusCode: status);

    /// <summary>Adds the R36 <c>split</c> field: null until the first <c>split_start</c>, then the split most recently started.</summary>
    private sealed class ImportEventSink(IngestEndpoints.StreamEventSink inner) : IIngestEventSink
    {
        private string? _split;

        public Task SendAsync(IngestEvent ingestEvent, CancellationToken cancellationToken)
        {
            _split = ingestEvent.StartedSplit ?? _split;
            var wire = new ImportEvent(ingestEvent.Stage, ingestEvent.Current, ingestEvent.Total, ingestEvent.Message, _split, ingestEvent.DatasetId);
            return inner.SendWireAsync(wire, cancellationToken);
        }

        public Task KeepAliveAsync(CancellationToken cancellationToken) => inner.KeepAliveAsync(cancellationToken);
    }
}
