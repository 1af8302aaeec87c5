using DataVisor.Api.Configuration;
using DataVisor.Api.Ingestion;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Images;

/// <summary>
/// The <c>thumbnails</c> stage of an ingest (contract §5.4, D25): <c>medium</c> thumbnails for the first
/// <c>DATAVISOR_INGEST_THUMBNAIL_LIMIT</c> stored images of one split, in ingest order, resolved against
/// that split's folder. A failure is counted, never fatal; a thumbnail already cached counts as neither.
/// </summary>
public sealed class ThumbnailPregenerator(ThumbnailCache cache, IOptions<DataVisorOptions> options)
{
    public const string NothingToDo = "No images to generate thumbnails for";

    /// <summary>An intermediate event after every this many attempts, so a long stage shows progress.</summary>
    private const int ReportEvery = 100;

    /// <summary>The machine is shared with the ingest itself and with requests: two decoders at a time.</summary>
    private const int Decoders = 2;

    private readonly int _limit = options.Value.IngestThumbnailLimit;

    public readonly record struct Counts(int Generated, int Errors);

    /// <summary>Generates for the images of staging part <paramref name="part"/> and reports the stage.</summary>
    public async Task<Counts> RunStageAsync(DuckDBConnection staging, int part, string datasetId, IngestProgress progress, CancellationToken cancellationToken)
    {
        var images = _limit > 0 ? ReadStagedImages(staging, part, _limit) : [];
        if (images.Count == 0)
        {
            await progress.SendAsync(new IngestEvent(IngestStages.Thumbnails, 0, 0, NothingToDo, datasetId), cancellationToken);
            return default;
        }

        var generated = 0;
        var errors = 0;
        foreach (var chunk in images.Chunk(ReportEvery))
        {
            await Parallel.ForEachAsync(chunk, new ParallelOptions { MaxDegreeOfParallelism = Decoders, CancellationToken = cancellationToken }, async (image, token) =>
            {
                switch (await GenerateAsync(datasetId, image, token))
                {
                    case true: Interlocked.Increment(ref generated); break;
                    case false: Interlocked.Increment(ref errors); break;
                    default: break;
                }
            });

            var attempted = generated + errors;
            await progress.SendAsync(
                new IngestEvent(IngestStages.Thumbnails, generated, attempted, $"Generated {generated} thumbnails ({errors} errors)", datasetId),
                cancellationToken);
        }

        return new Counts(generated, errors);
    }

    /// <summary>D4: an ingest that did not commit leaves no thumbnails behind.</summary>
    public void Discard(string datasetId) => cache.DeleteDataset(datasetId);

    /// <summary>True when made now, false when it failed, null when it was cached already.</summary>
    private async Task<bool?> GenerateAsync(string datasetId, StagedImage image, CancellationToken cancellationToken)
    {
        if (DataPaths.ResolveInside(image.ImageDir, image.FileName) is not { } file)
        {
            return false;
        }

        try
        {
            var thumbnail = await cache.GetOrCreateAsync(datasetId, image.SampleId, ImageSize.Medium, file, cancellationToken);
            return thumbnail.File is null ? false : thumbnail.Generated ? true : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The cache folder, not the image, failed; still not a reason to fail the ingest.
            return false;
        }
    }

    private sealed record StagedImage(string SampleId, string FileName, string ImageDir);

    private static List<StagedImage> ReadStagedImages(DuckDBConnection staging, int part, int limit)
    {
        using var command = staging.CreateCommand();
        command.CommandText = """
            SELECT sample_id, file_name, image_dir FROM staged_images
            WHERE part = $part AND NOT skipped
            ORDER BY position
            LIMIT $limit
            """;
        command.Parameters.Add(new DuckDBParameter("part", part));
        command.Parameters.Add(new DuckDBParameter("limit", limit));
        using var reader = command.ExecuteReader();
        var images = new List<StagedImage>();
        while (reader.Read())
        {
            images.Add(new StagedImage(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return images;
    }
}
