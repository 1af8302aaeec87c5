using System.Collections.Concurrent;
using System.Diagnostics;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Samples;

/// <summary>
/// The process's <see cref="BrowseSnapshot"/>s, built lazily from DuckDB and kept for the datasets browsed
/// most recently, up to <see cref="MaxCachedSamples"/> samples in all.
/// </summary>
/// <remarks>
/// Staleness: the base part is keyed by the dataset row's <see cref="DatasetStamp"/> (read on every
/// request), which a delete and re-ingest under the same id changes, so ingest needs no call. Tags and
/// categories change under other writers, which MUST call <see cref="Invalidate"/> AFTER their
/// transaction commits. A part is tagged with the generation read BEFORE it was loaded: a write committing
/// while it loads bumps the generation past the tag, so the next reader reloads it.
/// </remarks>
public sealed partial class BrowseCache(ILogger<BrowseCache> logger, long maxCachedSamples = BrowseCache.MaxCachedSamples)
{
    /// <summary>
    /// A snapshot costs ~80–130 bytes per sample with short ids and file names (132 MB at 1M with every
    /// optional part built, docs/PERFORMANCE.md), so this bound keeps the cache near 265 MB at most.
    /// </summary>
    public const long MaxCachedSamples = 2_000_000;

    private sealed class Generations
    {
        public long Tags;
        public long Categories;
    }

    private sealed record Entry(BrowseSnapshot Snapshot)
    {
        public long LastUsed;
    }

    private readonly ConcurrentDictionary<string, Generations> _generations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Builds are rare and take ~1 s at 1M samples; one at a time keeps concurrent first requests from
    // each building the same snapshot.
    private readonly Lock _buildGate = new();
    private long _clock;

    /// <summary>Call after committing a write that changed the dataset's tags or annotations.</summary>
    public void Invalidate(string datasetId, BrowseParts parts)
    {
        var generations = GenerationsOf(datasetId);
        if (parts.HasFlag(BrowseParts.Tags))
        {
            Interlocked.Increment(ref generations.Tags);
        }

        if (parts.HasFlag(BrowseParts.Categories))
        {
            Interlocked.Increment(ref generations.Categories);
        }
    }

    /// <summary>The dataset's current snapshot; null when the dataset does not exist.</summary>
    public BrowseSnapshot? Snapshot(DuckDBConnection connection, string datasetId)
    {
        var stamp = ReadStamp(connection, datasetId);
        if (stamp is null)
        {
            _entries.TryRemove(datasetId, out _);
            return null;
        }

        if (Current(datasetId, stamp) is { } cached)
        {
            return cached;
        }

        lock (_buildGate)
        {
            if (Current(datasetId, stamp) is { } built)
            {
                return built;
            }

            var clock = Stopwatch.StartNew();
            var snapshot = BrowseSnapshotLoader.LoadBase(connection, datasetId, stamp);
            _entries[datasetId] = new Entry(snapshot) { LastUsed = Interlocked.Increment(ref _clock) };
            LogBuilt(logger, datasetId, snapshot.Count, clock.Elapsed.TotalMilliseconds, snapshot.BaseBytes);
            EvictBeyondBound();
            return snapshot;
        }
    }

    /// <summary>The snapshot's tag memberships, reloaded when a tag write committed since they were read.</summary>
    public TagMembership Tags(DuckDBConnection connection, string datasetId, BrowseSnapshot snapshot)
    {
        var generation = Volatile.Read(ref GenerationsOf(datasetId).Tags);
        if (snapshot.Tags is { } tags && tags.Generation == generation)
        {
            return tags;
        }

        lock (_buildGate)
        {
            if (snapshot.Tags is { } loaded && loaded.Generation == generation)
            {
                return loaded;
            }

            var fresh = BrowseSnapshotLoader.LoadTags(connection, datasetId, generation, snapshot.Count);
            snapshot.Tags = fresh;
            return fresh;
        }
    }

    /// <summary>Ordinals of the samples with ≥1 annotation of <paramref name="category"/>, in no particular order.</summary>
    internal int[] Category(DuckDBConnection connection, string datasetId, BrowseSnapshot snapshot, string category)
    {
        var generation = Volatile.Read(ref GenerationsOf(datasetId).Categories);
        var categories = snapshot.Categories;
        if (categories is null || categories.Generation != generation)
        {
            categories = new CategoryMembership(generation);
            snapshot.Categories = categories;
        }

        return categories.Loaded.GetOrAdd(category, name => BrowseSnapshotLoader.LoadCategory(connection, datasetId, name));
    }

    /// <summary>Whether the dataset has a snapshot in the cache now (for tests of the bound).</summary>
    public bool Holds(string datasetId) => _entries.ContainsKey(datasetId);

    /// <summary>Managed bytes the cache holds, for the benchmark's memory figure.</summary>
    public long CachedBytes => _entries.Values.Sum(e =>
        e.Snapshot.BaseBytes + (e.Snapshot.Tags?.Bytes ?? 0)
        + (e.Snapshot.Categories?.Loaded.Values.Sum(o => (long)o.Length * sizeof(int)) ?? 0));

    private Generations GenerationsOf(string datasetId) => _generations.GetOrAdd(datasetId, _ => new Generations());

    private BrowseSnapshot? Current(string datasetId, DatasetStamp stamp)
    {
        if (_entries.TryGetValue(datasetId, out var entry) && entry.Snapshot.Stamp == stamp)
        {
            entry.LastUsed = Interlocked.Increment(ref _clock);
            return entry.Snapshot;
        }

        return null;
    }

    private void EvictBeyondBound()
    {
        var byAge = _entries.OrderByDescending(e => e.Value.LastUsed).ToList();
        long kept = 0;
        foreach (var (datasetId, entry) in byAge)
        {
            kept += entry.Snapshot.Count;
            // The most recent entry always stays, however large.
            if (kept > maxCachedSamples && entry != byAge[0].Value)
            {
                _entries.TryRemove(datasetId, out _);
                LogEvicted(logger, datasetId, entry.Snapshot.Count);
            }
        }
    }

    private static DatasetStamp? ReadStamp(DuckDBConnection connection, string datasetId)
    {
        using var command = connection.Prepare("SELECT created_at, image_count FROM datasets WHERE id = $dataset_id", ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new DatasetStamp(reader.GetDateTime(0), reader.GetInt64(1)) : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Browse snapshot of {DatasetId} built: {Samples} samples in {Milliseconds:F0} ms, {Bytes} bytes")]
    private static partial void LogBuilt(ILogger logger, string datasetId, int samples, double milliseconds, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Browse snapshot of {DatasetId} ({Samples} samples) evicted")]
    private static partial void LogEvicted(ILogger logger, string datasetId, int samples);
}
