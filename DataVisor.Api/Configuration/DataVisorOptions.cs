namespace DataVisor.Api.Configuration;

/// <summary>
/// The service's settings, read once at startup from the <c>DATAVISOR_*</c> environment variables
/// (contract §8). Paths are absolute and normalised.
/// </summary>
public sealed record DataVisorOptions
{
    /// <summary>The DuckDB database file (<c>DATAVISOR_DB_PATH</c>).</summary>
    public required string DatabasePath { get; init; }

    /// <summary>Root folder of the thumbnail cache (<c>DATAVISOR_THUMBNAIL_CACHE_DIR</c>).</summary>
    public required string ThumbnailCacheDirectory { get; init; }

    /// <summary><c>small</c>, <c>medium</c>, <c>large</c> or <c>original</c>.</summary>
    public string ThumbnailDefaultSize { get; init; } = "medium";

    /// <summary>WebP quality of generated thumbnails, 1 … 100.</summary>
    public int ThumbnailWebpQuality { get; init; } = 80;

    /// <summary>Thumbnails pre-generated per split at ingest; 0 disables.</summary>
    public int IngestThumbnailLimit { get; init; } = 500;

    /// <summary>
    /// DuckDB's buffer-pool limit (<c>DATAVISOR_DUCKDB_MEMORY_LIMIT</c>, e.g. <c>256MB</c>): bounds the
    /// process's memory during a large ingest; beyond it DuckDB spills to its temp folder.
    /// </summary>
    public string DuckDbMemoryLimit { get; init; } = DataVisorOptionsReader.DefaultDuckDbMemoryLimit;

    /// <summary>Accepted for compatibility; the vector index lives in memory.</summary>
    public required string QdrantPath { get; init; }

    /// <summary>Folder scanned at startup for ingest plugins.</summary>
    public required string PluginDirectory { get; init; }

    public string Host { get; init; } = "0.0.0.0";

    public int Port { get; init; } = 8000;

    public string? GcsCredentialsPath { get; init; }

    /// <summary>True behind the reverse proxy: no CORS headers at all.</summary>
    public bool BehindProxy { get; init; }

    /// <summary>Allowed CORS origins; empty disables CORS, <c>*</c> allows (and echoes) any origin.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = ["http://localhost:3000"];

    /// <summary>Allowed data folders; empty means no restriction.</summary>
    public IReadOnlyList<string> DataRoots { get; init; } = [];

    /// <summary>Model used for embeddings when a request names none; null means the built-in model.</summary>
    public string? EmbeddingModel { get; init; }

    public required string ModelsDirectory { get; init; }

    public string EmbeddingDevice { get; init; } = "auto";

    public string? VlmModel { get; init; }

    public string? VlmBaseUrl { get; init; }

    public string VlmDevice { get; init; } = "auto";

    public string AgentModel { get; init; } = "builtin";

    public string? AgentBaseUrl { get; init; }

    public int AgentTimeoutSeconds { get; init; } = 120;

    /// <summary>Generate and ingest the demo dataset once, at the first start (<c>DATAVISOR_DEMO_DATASET</c>).</summary>
    public bool DemoDataset { get; init; }
}
