using DataVisor.Api.Configuration;
using DataVisor.Api.Datasets;
using DataVisor.Api.Ingestion;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DataVisor.Api.Images;

public static class ImageEndpoints
{
    public const string SampleNotFound = "Sample not found";
    public const string FileNotFound = "Image file not found";
    public const string Undecodable = "Image could not be decoded";

    /// <summary>Thumbnails change only when their source does; the ETag lets a browser revalidate after that.</summary>
    private const string ThumbnailCacheControl = "public, max-age=3600";

    public static IServiceCollection AddImages(this IServiceCollection services)
    {
        services.AddSingleton<SampleImageStore>();
        services.AddSingleton<ThumbnailCache>();
        services.AddSingleton<ThumbnailPregenerator>();
        return services;
    }

    public static IEndpointRouteBuilder MapImages(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/images").WithTags("Images").MapGet("/{datasetId}/{sampleId}", GetImage);
        return routes;
    }

    public sealed record ImageRequest(string DatasetId, string SampleId, string? Size);

    /// <summary>R14 (contract §4.4).</summary>
    public static async Task<Results<PhysicalFileHttpResult, BadRequest<ErrorDetail>, NotFound<ErrorDetail>>> GetImage(
        [AsParameters] ImageRequest request,
        HttpContext httpContext,
        SampleImageStore samples,
        ThumbnailCache cache,
        IOptions<DataVisorOptions> options,
        CancellationToken cancellationToken)
    {
        // The size is checked before any lookup, even for unknown ids.
        if (!ImageSizes.TryParse(request.Size ?? options.Value.ThumbnailDefaultSize, out var size))
        {
            return TypedResults.BadRequest(new ErrorDetail(ImageSizes.InvalidSizeMessage));
        }

        if (samples.Find(request.DatasetId, request.SampleId) is not { } sample)
        {
            return TypedResults.NotFound(new ErrorDetail(SampleNotFound));
        }

        // D5: stored names were confined at ingest, and are confined again here on every request.
        var file = DataPaths.ResolveInside(sample.ImageDir, sample.FileName);
        if (file is null || !DataPaths.IsAllowed(file, options.Value.DataRoots) || !IsReadableFile(file))
        {
            return TypedResults.NotFound(new ErrorDetail(FileNotFound));
        }

        if (size == ImageSize.Original)
        {
            var original = new FileInfo(file);
            return TypedResults.PhysicalFile(
                file,
                ImageContentTypes.ForFile(file),
                enableRangeProcessing: true,
                lastModified: original.LastWriteTimeUtc,
                entityTag: EntityTagFor(original));
        }

        var thumbnail = await cache.GetOrCreateAsync(request.DatasetId, request.SampleId, size, file, cancellationToken);
        if (thumbnail.File is not { } cached)
        {
            return TypedResults.NotFound(new ErrorDetail(thumbnail.Failure == ThumbnailFailure.FileNotFound ? FileNotFound : Undecodable));
        }

        httpContext.Response.Headers.CacheControl = ThumbnailCacheControl;
        return TypedResults.PhysicalFile(
            cached.FullName,
            ImageContentTypes.Webp,
            lastModified: cached.LastWriteTimeUtc,
            entityTag: EntityTagFor(cached));
    }

    /// <summary>Opening is the only honest test of readability; a missing file, a folder or no permission all answer 404.</summary>
    private static bool IsReadableFile(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private static EntityTagHeaderValue EntityTagFor(FileInfo file) =>
        new($"\"{file.LastWriteTimeUtc.Ticks:x}-{file.Length:x}\"");
}
