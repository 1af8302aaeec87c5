using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVisor.Api.Views;

/// <summary>Saved views: create (R15), list (R16), delete (R17).</summary>
public static class ViewEndpoints
{
    public static IServiceCollection AddViews(this IServiceCollection services)
    {
        services.AddSingleton<SavedViewStore>();
        return services;
    }

    public static IEndpointRouteBuilder MapViews(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/views").WithTags("Views");
        group.MapPost("/", CreateView);
        group.MapGet("/", ListViews);
        group.MapDelete("/{viewId}", DeleteView);
        return routes;
    }

    /// <summary>R15: 201 with the stored view; <c>filters</c> comes back exactly as sent.</summary>
    public static async Task<Results<Created<SavedView>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>>> CreateView(
        HttpContext context, SavedViewStore store)
    {
        var (request, problem) = CreateViewRequest.From(await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted));
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        return await store.CreateAsync(request!, context.RequestAborted) is { } view
            ? TypedResults.Created((string?)null, view)
            : TypedResults.NotFound(new ErrorDetail("Dataset not found"));
    }

    /// <summary>R16: an unknown dataset simply has no views.</summary>
    public static Results<Ok<SavedViewList>, UnprocessableEntity<ValidationErrorResponse>> ListViews(
        [FromQuery(Name = "dataset_id")] string? datasetId, SavedViewStore store) =>
        datasetId is null
            ? TypedResults.UnprocessableEntity(ValidationErrors.Problem(ValidationErrors.MissingQuery("dataset_id")))
            : TypedResults.Ok(new SavedViewList(store.List(datasetId)));

    /// <summary>R17: 204 whether or not the view existed.</summary>
    public static async Task<NoContent> DeleteView(string viewId, SavedViewStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(viewId, cancellationToken);
        return TypedResults.NoContent();
    }
}
