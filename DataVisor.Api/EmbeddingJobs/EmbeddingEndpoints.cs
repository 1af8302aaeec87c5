using System.Text.Json;
using DataVisor.Api.Configuration;
using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.EmbeddingJobs;

/// <summary>R22 202 body.</summary>
public sealed record GenerationStarted(string DatasetId, string Status, string Message);

/// <summary>R24 body.</summary>
public sealed record EmbeddingStatus(string DatasetId, bool HasEmbeddings, long EmbeddingCount, string? ModelName, bool HasReduction);

/// <summary>X1-X4 body.</summary>

/// <summary>R22-R24 and X1: embedding generation as a background job.</summary>
public static class EmbeddingEndpoints
{
    public static IEndpointRouteBuilder MapEmbeddingJobs(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/datasets/{datasetId}").WithTags("Embeddings");
        group.MapPost("/embeddings/generate", Generate);
        group.MapGet("/embeddings/progress", Progress);
        group.MapGet("/embeddings/status", Status);
        group.MapPost("/embeddings/cancel", Cancel);
        group.MapGet("/similarity/search", SimilarityEndpoints.Search);
        return routes;
    }

    /// <summary>R22: errors in the contract's order 409, 404, 400 (after the body's own 422).</summary>
    internal static async Task<Results<Accepted<GenerationStarted>, UnprocessableEntity<ValidationErrorResponse>, Conflict<ErrorDetail>, NotFound<ErrorDetail>, BadRequest<ErrorDetail>>> Generate(
        string datasetId,
        HttpRequest request,
        JobRegistry jobs,
        DatasetStore datasets,
        IEmbeddingModelCatalog models,
        EmbeddingGenerator generator,
        IOptions<DataVisorOptions> options,
        CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadObjectAsync(request, cancellationToken);
        string? requested = null;
        if (body.Root.ValueKind != JsonValueKind.Undefined)
        {
            // An empty body is allowed (the field is optional); anything else must be a valid object.
            requested = body.OptionalString("model_name");
        }

        if (body.Root.ValueKind != JsonValueKind.Undefined && body.Problem is { } problem)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        if (body.Root.ValueKind == JsonValueKind.Undefined && body.Problem is { Detail: [{ Type: not "missing" }] } invalid)
        {
            return TypedResults.UnprocessableEntity(invalid);
        }

        var alreadyRunning = new ErrorDetail("Embedding generation already running for this dataset");
        if (jobs.IsRunning(datasetId, EmbeddingProgress.JobKind))
        {
            return TypedResults.Conflict(alreadyRunning);
        }

        if (datasets.Find(datasetId) is null)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        var modelName = string.IsNullOrWhiteSpace(requested)
            ? options.Value.EmbeddingModel is { Length: > 0 } configured ? configured : Embeddings.EmbeddingModelRegistry.BuiltInModelName
            : requested;
        if (!models.Contains(modelName))
        {
            return TypedResults.BadRequest(new ErrorDetail($"Unknown embedding model '{modelName}'. Available models: {string.Join(", ", models.Names)}"));
        }

        var started = jobs.TryStart(
            datasetId,
            EmbeddingProgress.JobKind,
            EmbeddingProgress.Running(0, 0),
            job => generator.RunAsync(datasetId, modelName, job),
            (last, error) => last with { Status = "error", Message = error is null ? "Cancelled" : $"Embedding generation failed: {error.Message}" });
        return started
            ? TypedResults.Accepted((string?)null, new GenerationStarted(datasetId, "started", "Embedding generation started"))
            : TypedResults.Conflict(alreadyRunning);
    }

    /// <summary>R23 (dialect B).</summary>
    internal static Task Progress(string datasetId, HttpContext context) =>
        JobProgressStream.StreamAsync<EmbeddingProgress>(context, datasetId);

    /// <summary>R24: never 404; an unknown dataset simply has no embeddings.</summary>
    internal static Ok<EmbeddingStatus> Status(string datasetId, EmbeddingStore store)
    {
        var (model, count, hasReduction) = store.Status(datasetId);
        return TypedResults.Ok(new EmbeddingStatus(datasetId, count > 0, count, model, hasReduction));
    }

    /// <summary>X1.</summary>
    internal static Results<Ok<CancellationRequested>, NotFound<ErrorDetail>, Conflict<ErrorDetail>> Cancel(
        string datasetId, JobRegistry jobs, DatasetStore datasets) =>
        JobCancellation.Cancel(datasetId, EmbeddingProgress.JobKind, "embedding generation", jobs, datasets);
}
