using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DataVisor.Api.Configuration;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Images;

/// <summary>A thumbnail on disk, or why there is none.</summary>
public readonly record struct CachedThumbnail(FileInfo? File, ThumbnailFailure Failure, bool Generated);

/// <summary>
/// Contract §5.7: one WebP file per (dataset, sample, size), at
/// <c>&lt;cache&gt;/&lt;dataset id&gt;/&lt;size&gt;/&lt;sha-256 of the sample id&gt;.webp</c>. Keyed by dataset
/// as well as sample (D1), because sample ids repeat across datasets; hashed because sample ids may hold
/// characters a file system rejects. Files appear by rename, so readers never see half a file, and
/// concurrent requests for one missing thumbnail share a single generation.
/// </summary>
public sealed partial class ThumbnailCache(IOptions<DataVisorOptions> options, ILogger<ThumbnailCache> logger)
{
    private readonly string _root = options.Value.ThumbnailCacheDirectory;
    private readonly int _quality = options.Value.ThumbnailWebpQuality;
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedThumbnail>>> _inFlight = new(StringComparer.Ordinal);

    public string DatasetFolder(string datasetId) => Path.Combine(_root, SafeName(datasetId));

    public string PathFor(string datasetId, string sampleId, ImageSize size) =>
        Path.Combine(DatasetFolder(datasetId), size.Name(), Hash(sampleId) + ".webp");

    /// <summary>The cached file when it is at least as new as the source, else one made now.</summary>
    public async Task<CachedThumbnail> GetOrCreateAsync(string datasetId, string sampleId, ImageSize size, string sourcePath, CancellationToken cancellationToken)
    {
        var path = PathFor(datasetId, sampleId, size);
        if (IsFresh(path, sourcePath) is { } cached)
        {
            return new CachedThumbnail(cached, ThumbnailFailure.None, Generated: false);
        }

        var generation = _inFlight.GetOrAdd(path, key => new Lazy<Task<CachedThumbnail>>(() => GenerateOnceAsync(key, sourcePath, size)));
        // One requester giving up must not cancel the generation the others wait for.
        return await generation.Value.WaitAsync(cancellationToken);
    }

    private async Task<CachedThumbnail> GenerateOnceAsync(string path, string sourcePath, ImageSize size)
    {
        try
        {
            return await Task.Run(() => Generate(path, sourcePath, size));
        }
        finally
        {
            // Failures are not remembered: a file fixed on disk renders on the next request.
            _inFlight.TryRemove(path, out _);
        }
    }

    /// <summary>D4, D8: removes every thumbnail of the dataset; a folder that never existed is fine.</summary>
    public void DeleteDataset(string datasetId)
    {
        var folder = DatasetFolder(datasetId);
        // A generation already running would write into the folder after it was removed: let it finish first.
        var running = _inFlight.Where(entry => entry.Key.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(entry => (Task)entry.Value.Value)
            .ToArray();
        try
        {
            Task.WaitAll(running, TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Their failures belong to their requests.
        }

        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Leftover files cost disk space only: no later dataset can have this id.
            LogDeleteFailed(logger, folder, ex);
        }
    }

    private CachedThumbnail Generate(string path, string sourcePath, ImageSize size)
    {
        var sourceWritten = File.GetLastWriteTimeUtc(sourcePath);
        var rendered = ThumbnailRenderer.Render(sourcePath, size.LongestSide(), _quality);
        if (rendered.Webp is not { } webp)
        {
            return new CachedThumbnail(null, rendered.Failure, Generated: false);
        }

        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, webp);
            // Never older than its source, even one stamped in the future, or it would be rendered on every request.
            File.SetLastWriteTimeUtc(temporary, sourceWritten > DateTime.UtcNow ? sourceWritten : DateTime.UtcNow);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        return new CachedThumbnail(new FileInfo(path), ThumbnailFailure.None, Generated: true);
    }

    private static FileInfo? IsFresh(string path, string sourcePath)
    {
        var cached = new FileInfo(path);
        if (!cached.Exists)
        {
            return null;
        }

        // §5.7: a source changed after its thumbnail was made is rendered again.
        var source = new FileInfo(sourcePath);
        return source.Exists && source.LastWriteTimeUtc > cached.LastWriteTimeUtc ? null : cached;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A stray temporary file is harmless; readers only open final names.
        }
    }

    /// <summary>Dataset ids are UUIDs; anything else is hashed rather than trusted as a path segment.</summary>
    private static string SafeName(string datasetId) =>
        datasetId.Length is > 0 and <= 64 && datasetId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? datasetId : Hash(datasetId);

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the thumbnail folder {Folder}")]
    private static partial void LogDeleteFailed(ILogger logger, string folder, Exception exception);
}
