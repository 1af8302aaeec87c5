using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Analysis;

/// <summary>R32 (contract §4.11): error-pattern analysis, offline by default.</summary>
public static class AnalysisEndpoints
{
    public static IEndpointRouteBuilder MapAnalysis(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/datasets/{dataset_id}").WithTags("Analysis").MapPost("/analyze", Analyze);
        return routes;
    }

    /// <summary>The body's 422 first, then 404 dataset, 404 source, then the analyst's 503/502 or the report.</summary>
    internal static async Task<Results<Ok<AnalysisReport>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>, JsonHttpResult<ErrorDetail>>> Analyze(
        string dataset_id, HttpContext context, AnalysisService analysis)
    {
        var (request, problem) = AnalyzeRequest.From(await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted));
        if (request is null)
        {
            return TypedResults.UnprocessableEntity(problem!);
        }

        var (outcome, notFound) = await analysis.AnalyseAsync(dataset_id, request, context.RequestAborted);
        if (notFound is not null)
        {
            return TypedResults.NotFound(new ErrorDetail(notFound));
        }

        return outcome!.Report is { } report
            ? TypedResults.Ok(report)
            : TypedResults.Json(new ErrorDetail(outcome.Detail!), statusCode: outcome.StatusCode);
    }
}
