using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Samples;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.EmbeddingJobs;

/// <summary>One R28 result; thumbnails are served by the image routes, so the path is always null.</summary>
public sealed record SimilarityResult(string SampleId, double Score, string? FileName, string? ThumbnailPath);

public sealed record SimilarityResponse(IReadOnlyList<SimilarityResult> Results, string QuerySampleId);

/// <summary>R28: exact cosine search over the active model's vectors (§6.11).</summary>
public static class SimilarityEndpoints
{
    internal static Results<Ok<SimilarityResponse>, UnprocessableEntity<ValidationErrorResponse>, NotFound<ErrorDetail>> Search(
        string datasetId,
        HttpRequest request,
        DatasetStore datasets,
        SimilarityIndex index)
    {
        var query = new QueryValues();
        var sampleId = query.Required("sample_id", request.Query["sample_id"].FirstOrDefault());
        var limit = (int)query.Integer("limit", request.Query["limit"].FirstOrDefault(), 20, 1, 100);
        if (!query.IsValid)
        {
            return TypedResults.UnprocessableEntity(new ValidationErrorResponse(query.Issues));
        }

        if (datasets.Find(datasetId) is null)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        var results = index.Search(datasetId, sampleId, limit) ?? [];
        return TypedResults.Ok(new SimilarityResponse(
            [.. results.Select(result => new SimilarityResult(result.SampleId, result.Score, result.FileName, null))],
            sampleId));
    }
}
