using DataVisor.Api.Datasets;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVisor.Api.Statistics;

/// <summary>R18 (contract §4.6).</summary>
public static class StatisticsEndpoints
{
    public static IServiceCollection AddStatistics(this IServiceCollection services) =>
        services.AddSingleton<StatisticsReader>();

    public static IEndpointRouteBuilder MapStatistics(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/datasets/{datasetId}/statistics").WithTags("Statistics").MapGet("/", GetStatistics);
        return routes;
    }

    public static Results<Ok<DatasetStatistics>, NotFound<ErrorDetail>> GetStatistics(
        string datasetId, [FromQuery(Name = "split")] string? split, StatisticsReader statistics) =>
        statistics.Read(datasetId, string.IsNullOrEmpty(split) ? null : split) is { } result
            ? TypedResults.Ok(result)
            : TypedResults.NotFound(new ErrorDetail("Dataset not found"));
}
