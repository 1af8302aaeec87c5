namespace DataVisor.Plugins;

/// <summary>
/// An ingest plugin: code that DataVisor loads at startup from <c>DATAVISOR_PLUGIN_DIR</c> and calls at the
/// stages of every ingest (R2 <c>POST /datasets/ingest</c> and R36 <c>POST /ingestion/import</c>).
/// </summary>
/// <remarks>
/// <para>
/// Lifecycle: the service creates one instance per plugin type (a public parameterless constructor is
/// required), calls <see cref="Activate"/> once at startup, the ingest hooks for every ingest, and
/// <see cref="Deactivate"/> once at shutdown.
/// </para>
/// <para>
/// Isolation: a plugin that throws from its constructor, <see cref="Activate"/> or any hook is logged and
/// deactivated for the rest of the process's life; the ingest that was running continues without it and
/// commits normally. A plugin cannot fail an ingest.
/// </para>
/// <para>
/// Concurrency: ingests of different datasets may run at the same time, so hooks may be called
/// concurrently from several threads (never concurrently for the same ingest). Keep per-ingest state in
/// locals or keyed by <see cref="IngestStarted.DatasetId"/>.
/// </para>
/// <para>
/// Timing: <see cref="OnSample"/> runs after every file of the ingest has been parsed and before the
/// dataset is committed, once per stored sample, on the ingest's own thread: a slow hook slows the ingest.
/// Derive from <see cref="IngestPlugin"/> to implement only the hooks you need.
/// </para>
/// </remarks>
public interface IIngestPlugin
{
    /// <summary>A short, stable name used in the service's logs.</summary>
    string Name { get; }

    /// <summary>Called once when the service starts, before any ingest.</summary>
    void Activate(PluginActivation activation);

    /// <summary>Called once when the service stops, or after the plugin failed. Must not throw.</summary>
    void Deactivate();

    /// <summary>An ingest begins: nothing has been read yet.</summary>
    void OnIngestStarted(IngestStarted ingest);

    /// <summary>
    /// One sample of the ingest, with its metadata. Change <see cref="IngestSample.Width"/>,
    /// <see cref="IngestSample.Height"/> or <see cref="IngestSample.Tags"/> to change what is stored.
    /// </summary>
    void OnSample(IngestSample sample);

    /// <summary>The ingest has committed: the dataset is visible to every client.</summary>
    void OnIngestCompleted(IngestCompleted ingest);
}

/// <summary>A convenient base: every hook does nothing until overridden.</summary>
public abstract class IngestPlugin : IIngestPlugin
{
    /// <inheritdoc/>
    public virtual string Name => GetType().Name;

    /// <inheritdoc/>
    public virtual void Activate(PluginActivation activation)
    {
    }

    /// <inheritdoc/>
    public virtual void Deactivate()
    {
    }

    /// <inheritdoc/>
    public virtual void OnIngestStarted(IngestStarted ingest)
    {
    }

    /// <inheritdoc/>
    public virtual void OnSample(IngestSample sample)
    {
    }

    /// <inheritdoc/>
    public virtual void OnIngestCompleted(IngestCompleted ingest)
    {
    }
}
