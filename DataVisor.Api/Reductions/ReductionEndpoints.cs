using System.Text.Json;
using System.Text.Json.Serialization;
using DataVisor.Api.Datasets;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Hosting;
using DataVisor.Api.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Reductions;

/// <summary>R25 202 body.</summary>
public sealed record ReductionStarted(string Status, string Message);

/// <summary>
/// One R27 item. The only camelCase shape of the contract (§1.2), so its names are spelled out here rather
/// than changing the service-wide snake_case policy.
/// </summary>
public sealed record EmbeddingCoordinate(
    [property: JsonPropertyName("sampleId")] string SampleId,
    [property: JsonPropertyName("x")] double X,
    [property: JsonPropertyName("y")] double Y,
    [property: JsonPropertyName("fileName")] string FileName,
    [property: JsonPropertyName("gtLabel")] string? GtLabel,
    [property: JsonPropertyName("predLabel")] string? PredLabel)
{
    /// <summary>Always null on the wire (§2.2).</summary>
    [JsonPropertyName("thumbnailPath")]
    public string? ThumbnailPath => null;
}

/// <summary>R25-R27 and X2: 2-D reductions of the active model's embeddings as a background job (§4.9, §6.10).</summary>
public static class ReductionEndpoints
{
    private const string DefaultMethod = "umap";
    private const string MethodChoices = "'umap', 'tsne' or 'pca'";

    public static IEndpointRouteBuilder MapReductions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/datasets/{datasetId}/embeddings").WithTags("Embeddings");
        group.MapPost("/reduce", Reduce);
        group.MapGet("/reduce/progress", Progress);
        group.MapPost("/reduce/cancel", Cancel);
        group.MapGet("/coordinates", Coordinates);
        return routes;
    }

    /// <summary>R25: the body's own 422 first, then the contract's order 404, 409, 400.</summary>
    internal static async Task<Results<Accepted<ReductionStarted>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>, Conflict<ErrorDetail>, BadRequest<ErrorDetail>>> Reduce(
        string datasetId,
        HttpRequest request,
        JobRegistry jobs,
        DatasetStore datasets,
        EmbeddingStore embeddings,
        ReductionJob reduction,
        CancellationToken cancellationToken)
    {
        var (method, problem) = await ReadMethodAsync(request, cancellationToken);
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        if (datasets.Find(datasetId) is null)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        var alreadyRunning = new ErrorDetail("Reduction already running for this dataset");
        if (jobs.IsRunning(datasetId, ReductionProgress.JobKind))
        {
            return TypedResults.Conflict(alreadyRunning);
        }

        if (embeddings.Status(datasetId).Count == 0)
        {
            return TypedResults.BadRequest(new ErrorDetail("No embeddings found. Generate embeddings first."));
        }

        var started = jobs.TryStart(
            datasetId,
            ReductionProgress.JobKind,
            ReductionProgress.Loading,
            job => reduction.RunAsync(datasetId, method, job),
            (_, error) => error is null ? ReductionProgress.Cancelled : ReductionProgress.Failed(error));
        return started
            ? TypedResults.Accepted((string?)null, new ReductionStarted("started", "Dimensionality reduction started"))
            : TypedResults.Conflict(alreadyRunning);
    }

    /// <summary>R26 (dialect B).</summary>
    internal static Task Progress(string datasetId, HttpContext context) =>
        JobProgressStream.StreamAsync<ReductionProgress>(context, datasetId);

    /// <summary>R27: never 404; an unknown or unreduced dataset has no coordinates.</summary>
    internal static Ok<List<EmbeddingCoordinate>> Coordinates(string datasetId, CoordinateStore coordinates) =>
        TypedResults.Ok(coordinates.Load(datasetId));

    /// <summary>X2.</summary>
    internal static Results<Ok<CancellationRequested>, NotFound<ErrorDetail>, Conflict<ErrorDetail>> Cancel(
        string datasetId, JobRegistry jobs, DatasetStore datasets) =>
        JobCancellation.Cancel(datasetId, ReductionProgress.JobKind, "reduction", jobs, datasets);

    /// <summary>
    /// The optional body (§1.5: absent, empty, <c>{}</c> or <c>null</c> all mean the default). <c>method</c> is
    /// a literal, so any value other than the three names, a non-string included, is one literal_error.
    /// </summary>
    private static async Task<(string Method, ValidationErrorResponse? Problem)> ReadMethodAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadObjectAsync(request, cancellationToken);
        if (body.Problem is { } problem)
        {
            var noBody = problem.Detail is [{ Type: "missing" }] or [{ Type: "dict_type", Input: JsonElement { ValueKind: JsonValueKind.Null } }];
            return (DefaultMethod, noBody ? null : problem);
        }

        if (!body.Root.TryGetProperty("method", out var value))
        {
            return (DefaultMethod, null);
        }

        if (value.ValueKind == JsonValueKind.String && Array.IndexOf(ReductionJob.Methods, value.GetString()) >= 0)
        {
            return (value.GetString()!, null);
        }

        return (DefaultMethod, ValidationErrors.Problem(new ValidationIssue(
            "literal_error", ["body", "method"], $"Input should be {MethodChoices}", value,
            new Dictionary<string, string> { ["expected"] = MethodChoices })));
    }
}
