using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Predictions;

/// <summary>R6's 200 body (contract §4.2).</summary>
public sealed record PredictionImportResponse(string DatasetId, string RunName, long PredictionCount, long SkippedCount, string Message);

public static class PredictionEndpoints
{
    public static IServiceCollection AddPredictions(this IServiceCollection services)
    {
        services.AddSingleton<PredictionRunStore>();
        services.AddSingleton<PredictionImporter>();
        return services;
    }

    public static IEndpointRouteBuilder MapPredictions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/datasets/{dataset_id}/predictions").WithTags("Predictions");
        group.MapPost("/", ImportRun);
        group.MapDelete("/{run_name}", DeleteRun);
        return routes;
    }

    /// <summary>R6: synchronous import; every refusal happens before anything is written.</summary>
    public static async Task<Results<Ok<PredictionImportResponse>, UnprocessableEntity<ValidationErrorResponse>, JsonHttpResult<ErrorDetail>>> ImportRun(
        string dataset_id, HttpContext context, PredictionImporter importer)
    {
        var body = await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        var (request, problem) = PredictionImportRequest.From(body);
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        var outcome = await importer.ImportAsync(dataset_id, request!, context.RequestAborted);
        return outcome.Imported is { } imported
            ? TypedResults.Ok(imported)
            : TypedResults.Json(new ErrorDetail(outcome.Detail!), statusCode: outcome.Status);
    }

    /// <summary>R7: <c>ground_truth</c> is refused before the dataset is even looked up.</summary>
    public static async Task<Results<NoContent, BadRequest<ErrorDetail>, NotFound<ErrorDetail>>> DeleteRun(
        string dataset_id, string run_name, DuckDbDatabase database, PredictionRunStore runs, CancellationToken cancellationToken)
    {
        if (run_name == PredictionImporter.GroundTruth)
        {
            return TypedResults.BadRequest(new ErrorDetail("Cannot delete ground_truth annotations"));
        }

        using (var connection = database.OpenConnection())
        {
            if (connection.Scalar("SELECT 1 FROM datasets WHERE id = $id", ("id", dataset_id)) is null)
            {
                return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
            }
        }

        return await runs.DeleteAsync(dataset_id, run_name, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound(new ErrorDetail($"No predictions found for run '{run_name}'"));
    }
}
