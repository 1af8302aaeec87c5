using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DataVisor.Api.Samples;

/// <summary>R8 listing, R9 facets, R12 and R13 annotations (contract §4.3).</summary>
public static class SampleEndpoints
{
    private const int MaxListedSampleIds = 5000;
    private const int MaxBatchSampleIds = 200;

    public static IServiceCollection AddSampleBrowsing(this IServiceCollection services)
    {
        services.AddSingleton<BrowseCache>();
        services.AddSingleton<SampleCatalog>();
        services.AddSingleton<AnnotationReader>();
        return services;
    }

    public static IEndpointRouteBuilder MapSamples(this IEndpointRouteBuilder routes)
    {
        // Fixed segments (filter-facets, batch-annotations) outrank {sampleId} in ASP.NET routing.
        var group = routes.MapGroup("/samples").WithTags("Samples");
        group.MapGet("/", ListSamples);
        group.MapGet("/filter-facets", GetFilterFacets);
        group.MapGet("/batch-annotations", GetBatchAnnotations);
        group.MapGet("/{sampleId}/annotations", GetSampleAnnotations);
        return routes;
    }

    public sealed record ListParameters(
        [FromQuery(Name = "dataset_id")] string? DatasetId,
        [FromQuery(Name = "category")] string? Category,
        [FromQuery(Name = "split")] string? Split,
        [FromQuery(Name = "search")] string? Search,
        [FromQuery(Name = "tags")] string? Tags,
        [FromQuery(Name = "sample_ids")] string? SampleIds,
        [FromQuery(Name = "sort_by")] string? SortBy,
        [FromQuery(Name = "sort_dir")] string? SortDir,
        [FromQuery(Name = "offset")] string? Offset,
        [FromQuery(Name = "limit")] string? Limit);

    /// <summary>R8.</summary>
    public static Results<Ok<SamplePage>, BadRequest<ErrorDetail>, UnprocessableEntity<ValidationErrorResponse>> ListSamples(
        [AsParameters] ListParameters query, SampleCatalog catalog)
    {
        var values = new QueryValues();
        var datasetId = values.Required("dataset_id", query.DatasetId);
        var sortDir = values.Literal("sort_dir", query.SortDir, "asc", "asc", "desc");
        var offset = values.Integer("offset", query.Offset, 0, min: 0);
        var limit = values.Integer("limit", query.Limit, 50, min: 1, max: 200);
        if (!values.IsValid)
        {
            return TypedResults.UnprocessableEntity(ValidationErrors.Problem(values.Issues));
        }

        var sampleIds = QueryValues.CommaList(query.SampleIds);
        if (sampleIds.Count > MaxListedSampleIds)
        {
            return TypedResults.BadRequest(new ErrorDetail($"Maximum {MaxListedSampleIds} sample_ids per request"));
        }

        var filter = new SampleFilter(
            datasetId,
            Category: QueryValues.Optional(query.Category),
            Split: QueryValues.Optional(query.Split),
            Search: QueryValues.Optional(query.Search?.Trim()),
            Tags: QueryValues.CommaList(query.Tags),
            SampleIds: sampleIds);
        var order = SampleOrder.For(query.SortBy ?? "id", sortDir);
        return TypedResults.Ok(catalog.List(filter, order, offset, limit));
    }

    /// <summary>R9.</summary>
    public static Results<Ok<FilterFacets>, UnprocessableEntity<ValidationErrorResponse>> GetFilterFacets(
        [FromQuery(Name = "dataset_id")] string? datasetId, SampleCatalog catalog)
    {
        var values = new QueryValues();
        var id = values.Required("dataset_id", datasetId);
        return values.IsValid
            ? TypedResults.Ok(catalog.Facets(id))
            : TypedResults.UnprocessableEntity(ValidationErrors.Problem(values.Issues));
    }

    public sealed record BatchParameters(
        [FromQuery(Name = "dataset_id")] string? DatasetId,
        [FromQuery(Name = "sample_ids")] string? SampleIds,
        [FromQuery(Name = "sources")] string? Sources);

    /// <summary>R12.</summary>
    public static Results<Ok<BatchAnnotations>, BadRequest<ErrorDetail>, UnprocessableEntity<ValidationErrorResponse>> GetBatchAnnotations(
        [AsParameters] BatchParameters query, AnnotationReader annotations)
    {
        var values = new QueryValues();
        var datasetId = values.Required("dataset_id", query.DatasetId);
        var rawIds = values.Required("sample_ids", query.SampleIds);
        if (!values.IsValid)
        {
            return TypedResults.UnprocessableEntity(ValidationErrors.Problem(values.Issues));
        }

        var sampleIds = QueryValues.CommaList(rawIds);
        if (sampleIds.Count > MaxBatchSampleIds)
        {
            return TypedResults.BadRequest(new ErrorDetail($"Maximum {MaxBatchSampleIds} sample_ids per batch request"));
        }

        var bySample = annotations.ForSamples(datasetId, sampleIds, QueryValues.CommaList(query.Sources));
        return TypedResults.Ok(new BatchAnnotations(bySample));
    }

    /// <summary>R13: a bare array.</summary>
    public static Results<Ok<List<Annotation>>, NotFound<ErrorDetail>, UnprocessableEntity<ValidationErrorResponse>> GetSampleAnnotations(
        string sampleId,
        [FromQuery(Name = "dataset_id")] string? datasetId,
        [FromQuery(Name = "sources")] string? sources,
        AnnotationReader annotations)
    {
        var values = new QueryValues();
        var id = values.Required("dataset_id", datasetId);
        if (!values.IsValid)
        {
            return TypedResults.UnprocessableEntity(ValidationErrors.Problem(values.Issues));
        }

        return annotations.ForSample(id, sampleId, QueryValues.CommaList(sources)) is { } list
            ? TypedResults.Ok(list)
            : TypedResults.NotFound(new ErrorDetail("Sample not found"));
    }
}
