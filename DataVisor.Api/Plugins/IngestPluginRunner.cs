using DataVisor.Api.Configuration;
using DataVisor.Api.Ingestion;
using DataVisor.Api.Telemetry;
using DataVisor.Plugins;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Plugins;

/// <summary>
/// Owns the active ingest plugins: loads and activates them when the host starts, deactivates them when
/// it stops, and calls their hooks for every ingest. Every call into a plugin is fenced: an exception is
/// logged, and the plugin is deactivated and dropped, so a plugin can never fail an ingest or the service.
/// Plugins registered in the service container (an embedding host, tests) join the discovered ones.
/// </summary>
public sealed partial class IngestPluginRunner(
    PluginLoader loader,
    IEnumerable<IIngestPlugin> registered,
    IOptions<DataVisorOptions> options,
    ILogger<IngestPluginRunner> logger) : IHostedService
{
    private const int SampleBatchSize = 4096;

    private readonly Lock _gate = new();
    private IIngestPlugin[] _active = [];

    /// <summary>The plugins currently active, in load order.</summary>
    public IReadOnlyList<IIngestPlugin> Active => Volatile.Read(ref _active);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var candidates = registered.Select(plugin => new LoadedPlugin(plugin, AppContext.BaseDirectory))
            .Concat(loader.LoadFrom(options.Value.PluginDirectory));
        var active = new List<IIngestPlugin>();
        foreach (var (plugin, directory) in candidates)
        {
            if (Call(plugin, "Activate", () => plugin.Activate(new PluginActivation(directory)), deactivateOnFailure: false))
            {
                active.Add(plugin);
                LogActivated(logger, NameOf(plugin), directory);
            }
        }

        Volatile.Write(ref _active, [.. active]);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        IIngestPlugin[] stopping;
        lock (_gate)
        {
            stopping = _active;
            _active = [];
        }

        foreach (var plugin in stopping)
        {
            Deactivate(plugin);
        }

        return Task.CompletedTask;
    }

    public void IngestStarted(IngestPlan plan)
    {
        var splits = plan.Parts.Select(part => part.Split).OfType<string>().ToArray();
        var started = new IngestStarted(plan.DatasetId, plan.DatasetName, plan.Format, splits);
        foreach (var plugin in Active)
        {
            Call(plugin, "OnIngestStarted", () => plugin.OnIngestStarted(started));
        }
    }

    public void IngestCompleted(IngestPlan plan, PublishedDataset published)
    {
        var completed = new IngestCompleted(published.Id, plan.DatasetName, published.ImageCount, published.AnnotationCount, published.CategoryCount);
        foreach (var plugin in Active)
        {
            Call(plugin, "OnIngestCompleted", () => plugin.OnIngestCompleted(completed));
        }
    }

    /// <summary>
    /// Offers every staged sample that will be stored to the plugins, in ingest order, and stages the
    /// metadata they changed; the publisher applies it set-based. Samples are read in keyset batches, so
    /// memory holds one batch, and nothing is read at all when no plugin is active.
    /// </summary>
    public void ApplySampleHooks(IngestPlan plan, IngestStaging staging, CancellationToken cancellationToken)
    {
        if (Active.Count == 0)
        {
            return;
        }

        using var activity = DataVisorTelemetry.ActivitySource.StartActivity("ingest.plugins");
        var after = (Part: -1, Position: -1L);
        List<StagedSample> batch;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch = ReadBatch(staging.Connection, after);
            foreach (var staged in batch)
            {
                var sample = new IngestSample(
                    plan.DatasetId, staged.SampleId, staged.FileName,
                    DataPaths.ResolveInside(staged.ImageDir, staged.FileName) ?? Path.Combine(staged.ImageDir, staged.FileName),
                    staged.Split, staged.Width, staged.Height, []);
                foreach (var plugin in Active)
                {
                    // A plugin that fails halfway leaves no half-made change behind.
                    var (width, height, tagsBefore) = (sample.Width, sample.Height, sample.Tags.ToArray());
                    if (!Call(plugin, "OnSample", () => plugin.OnSample(sample)))
                    {
                        (sample.Width, sample.Height) = (width, height);
                        sample.Tags.Clear();
                        foreach (var tag in tagsBefore)
                        {
                            sample.Tags.Add(tag);
                        }
                    }
                }

                var tags = StorableTags(sample.Tags);
                if (tags.Count > 0 || sample.Width != staged.Width || sample.Height != staged.Height)
                {
                    staging.AppendSampleMetadata(staged.Part, staged.SampleId, sample.Width, sample.Height, tags);
                }
            }

            if (batch.Count > 0)
            {
                after = (batch[^1].Part, batch[^1].Position);
            }
        }
        while (batch.Count == SampleBatchSize);

        staging.CompleteAppends();
    }

    /// <summary>Non-empty, distinct, in the plugin's order; the <c>triage:</c> family belongs to triage (§2.5).</summary>
    private static List<string> StorableTags(IEnumerable<string?> tags) =>
        tags.OfType<string>()
            .Where(tag => tag.Length > 0 && !tag.StartsWith("triage:", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private sealed record StagedSample(int Part, long Position, string SampleId, string FileName, string ImageDir, string? Split, int Width, int Height);

    private static List<StagedSample> ReadBatch(DuckDBConnection connection, (int Part, long Position) after)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT part, position, sample_id, file_name, image_dir, split, width, height
            FROM staged_images
            WHERE NOT skipped AND (part > $part OR (part = $part AND position > $position))
            ORDER BY part, position
            LIMIT $limit
            """;
        command.Parameters.Add(new DuckDBParameter("part", after.Part));
        command.Parameters.Add(new DuckDBParameter("position", after.Position));
        command.Parameters.Add(new DuckDBParameter("limit", SampleBatchSize));
        using var reader = command.ExecuteReader();
        var batch = new List<StagedSample>(SampleBatchSize);
        while (reader.Read())
        {
            batch.Add(new StagedSample(
                reader.GetInt32(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.GetInt32(7)));
        }

        return batch;
    }

    /// <summary>Runs one call into a plugin; false (and the plugin dropped) when it threw.</summary>
    private bool Call(IIngestPlugin plugin, string hook, Action call, bool deactivateOnFailure = true)
    {
        try
        {
            call();
            return true;
        }
        catch (Exception ex)
        {
            LogPluginFailed(logger, NameOf(plugin), hook, ex);
            lock (_gate)
            {
                _active = [.. _active.Where(active => !ReferenceEquals(active, plugin))];
            }

            if (deactivateOnFailure)
            {
                Deactivate(plugin);
            }

            return false;
        }
    }

    private void Deactivate(IIngestPlugin plugin)
    {
        try
        {
            plugin.Deactivate();
            LogDeactivated(logger, NameOf(plugin));
        }
        catch (Exception ex)
        {
            LogPluginFailed(logger, NameOf(plugin), "Deactivate", ex);
        }
    }

    /// <summary>A plugin's name, or its type's when the Name property itself throws.</summary>
    private static string NameOf(IIngestPlugin plugin)
    {
        try
        {
            return plugin.Name;
        }
        catch (Exception)
        {
            return plugin.GetType().FullName ?? plugin.GetType().Name;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest plugin {PluginName} activated from {PluginDirectory}")]
    private static partial void LogActivated(ILogger logger, string pluginName, string pluginDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest plugin {PluginName} deactivated")]
    private static partial void LogDeactivated(ILogger logger, string pluginName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest plugin {PluginName} failed in {Hook}; it is deactivated and skipped from now on")]
    private static partial void LogPluginFailed(ILogger logger, string pluginName, string hook, Exception exception);
}
