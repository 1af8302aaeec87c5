using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Triage;

/// <summary>R20, R21 and R44 (contract §4.6, §4.7): views of the one error categorisation (D2).</summary>
public static class TriageEndpoints
{
    public static IEndpointRouteBuilder MapTriage(this IEndpointRouteBuilder routes)
    {
        var dataset = routes.MapGroup("/datasets/{dataset_id}").WithTags("Triage");
        dataset.MapGet("/confusion-cell-samples", ConfusionCellSamples);
        dataset.MapGet("/error-analysis", ErrorAnalysis);
        dataset.MapGet("/worst-images", WorstImages);
        return routes;
    }

    public static Results<Ok<ConfusionCellSamples>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>> ConfusionCellSamples(
        string dataset_id, string? actual_class, string? predicted_class, string? source, string? iou_threshold, string? conf_threshold, string? split,
        DuckDbDatabase database)
    {
        var query = new QueryValues();
        var actual = query.Required("actual_class", actual_class);
        var predicted = query.Required("predicted_class", predicted_class);
        return ErrorScopeLoader.Respond(
            new ErrorScopeRequest(dataset_id, source, iou_threshold, conf_threshold, split), query, database,
            scope => ErrorReports.Cell(scope, actual, predicted));
    }

    public static Results<Ok<ErrorAnalysis>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>> ErrorAnalysis(
        string dataset_id, string? source, string? iou_threshold, string? conf_threshold, string? split, DuckDbDatabase database) =>
        ErrorScopeLoader.Respond(
            new ErrorScopeRequest(dataset_id, source, iou_threshold, conf_threshold, split), new QueryValues(), database, ErrorReports.Analysis);

    public static Results<Ok<WorstImages>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>> WorstImages(
        string dataset_id, string? source, string? iou_threshold, string? conf_threshold, string? split, string? limit, DuckDbDatabase database)
    {
        var query = new QueryValues();
        var count = (int)query.Integer("limit", limit, 50, 1, 200);
        return ErrorScopeLoader.Respond(
            new ErrorScopeRequest(dataset_id, source, iou_threshold, conf_threshold, split), query, database,
            scope => ErrorReports.Worst(scope, count));
    }
}
