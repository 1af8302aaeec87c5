using DataVisor.Api.Images;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Datasets;

public static class DatasetEndpoints
{
    public static IServiceCollection AddDatasets(this IServiceCollection services)
    {
        services.AddSingleton<DatasetStore>();
        return services;
    }

    public static IEndpointRouteBuilder MapDatasets(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/datasets").WithTags("Datasets");
        group.MapGet("/", ListDatasets);
        group.MapGet("/{datasetId}", GetDataset);
        group.MapDelete("/{datasetId}", DeleteDataset);
        return routes;
    }

    /// <summary>R3: newest first.</summary>
    public static Ok<DatasetList> ListDatasets(DatasetStore store) => TypedResults.Ok(new DatasetList(store.List()));

    /// <summary>R4.</summary>
    public static Results<Ok<Dataset>, NotFound<ErrorDetail>> GetDataset(string datasetId, DatasetStore store) =>
        store.Find(datasetId) is { } dataset
            ? TypedResults.Ok(dataset)
            : TypedResults.NotFound(new ErrorDetail("Dataset not found"));

    /// <summary>R5: removes the dataset and everything that belongs to it, its thumbnails on disk included (D8).</summary>
    public static async Task<Results<NoContent, NotFound<ErrorDetail>>> DeleteDataset(
        string datasetId, DatasetStore store, ThumbnailCache thumbnails, Jobs.JobRegistry jobs, CancellationToken cancellationToken)
    {
        if (!await store.DeleteAsync(datasetId, cancellationToken))
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        jobs.ForgetDataset(datasetId);
        thumbnails.DeleteDataset(datasetId);
        return TypedResults.NoContent();
    }
}
