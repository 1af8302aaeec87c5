using System.Globalization;
using System.Text.RegularExpressions;

namespace DataVisor.Api.Configuration;

/// <summary>
/// Reads <see cref="DataVisorOptions"/> from configuration keys named like the environment variables
/// (<c>DATAVISOR_DB_PATH</c>, …). The whole environment is part of ASP.NET Core's configuration, and tests
/// can pass the same keys as settings. Any invalid value throws a
/// <see cref="DataVisorConfigurationException"/> that names the variable.
/// </summary>
public static partial class DataVisorOptionsReader
{
    private static readonly string[] ThumbnailSizes = ["small", "medium", "large", "original"];
    private static readonly string[] Devices = ["auto", "cpu", "cuda"];

    /// <summary>
    /// DuckDB's own default is 80 % of RAM, which let a 1M-annotation ingest peak at 740-820 MB. 256 MB
    /// costs that ingest no measurable time and peaks at 470-550 MB; 128 MB stays at 365-417 MB but makes
    /// the ingest ~1.6x slower (it spills), so it is left to deployments that need it (docs/PERFORMANCE.md).
    /// </summary>
    public const string DefaultDuckDbMemoryLimit = "256MB";

    public static DataVisorOptions Read(IConfiguration configuration, string workingDirectory)
    {
        string? Raw(string name)
        {
            var value = configuration[name];
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        string PathSetting(string name, string fallback) =>
            Path.GetFullPath(Raw(name) ?? fallback, workingDirectory).TrimEnd(Path.DirectorySeparatorChar) is { Length: > 0 } p
                ? p
                : Path.DirectorySeparatorChar.ToString();

        return new DataVisorOptions
        {
            DatabasePath = PathSetting("DATAVISOR_DB_PATH", Path.Combine("data", "datavisor.duckdb")),
            ThumbnailCacheDirectory = PathSetting("DATAVISOR_THUMBNAIL_CACHE_DIR", Path.Combine("data", "thumbnails")),
            ThumbnailDefaultSize = OneOf("DATAVISOR_THUMBNAIL_DEFAULT_SIZE", Raw("DATAVISOR_THUMBNAIL_DEFAULT_SIZE"), ThumbnailSizes, "medium"),
            ThumbnailWebpQuality = Integer("DATAVISOR_THUMBNAIL_WEBP_QUALITY", Raw("DATAVISOR_THUMBNAIL_WEBP_QUALITY"), 80, 1, 100),
            IngestThumbnailLimit = Integer("DATAVISOR_INGEST_THUMBNAIL_LIMIT", Raw("DATAVISOR_INGEST_THUMBNAIL_LIMIT"), 500, 0, int.MaxValue),
            QdrantPath = PathSetting("DATAVISOR_QDRANT_PATH", Path.Combine("data", "qdrant")),
            PluginDirectory = PathSetting("DATAVISOR_PLUGIN_DIR", "plugins"),
            Host = Raw("DATAVISOR_HOST") ?? "0.0.0.0",
            Port = Integer("DATAVISOR_PORT", Raw("DATAVISOR_PORT"), 8000, 1, 65535),
            GcsCredentialsPath = Raw("DATAVISOR_GCS_CREDENTIALS_PATH"),
            BehindProxy = Boolean("DATAVISOR_BEHIND_PROXY", Raw("DATAVISOR_BEHIND_PROXY"), false),
            // An explicitly empty value disables CORS, so the raw (untrimmed-to-null) value matters here.
            CorsOrigins = configuration["DATAVISOR_CORS_ORIGINS"] is { } origins
                ? SplitList(origins, ',').Select(o => o.TrimEnd('/')).ToArray()
                : ["http://localhost:3000"],
            DataRoots = Raw("DATAVISOR_DATA_ROOTS") is { } roots
                ? SplitList(roots, Path.PathSeparator).Select(r => Path.GetFullPath(r, workingDirectory).TrimEnd(Path.DirectorySeparatorChar)).ToArray()
                : [],
            EmbeddingModel = Raw("DATAVISOR_EMBEDDING_MODEL"),
            ModelsDirectory = PathSetting("DATAVISOR_MODELS_DIR", Path.Combine("data", "models")),
            EmbeddingDevice = OneOf("DATAVISOR_EMBEDDING_DEVICE", Raw("DATAVISOR_EMBEDDING_DEVICE"), Devices, "auto"),
            VlmModel = Raw("DATAVISOR_VLM_MODEL"),
            VlmBaseUrl = Url("DATAVISOR_VLM_BASE_URL", Raw("DATAVISOR_VLM_BASE_URL")),
            VlmDevice = OneOf("DATAVISOR_VLM_DEVICE", Raw("DATAVISOR_VLM_DEVICE"), Devices, "auto"),
            AgentModel = Raw("DATAVISOR_AGENT_MODEL") ?? "builtin",
            AgentBaseUrl = Url("DATAVISOR_AGENT_BASE_URL", Raw("DATAVISOR_AGENT_BASE_URL")),
            DuckDbMemoryLimit = MemorySize("DATAVISOR_DUCKDB_MEMORY_LIMIT", Raw("DATAVISOR_DUCKDB_MEMORY_LIMIT"), DefaultDuckDbMemoryLimit),
            DemoDataset = Boolean("DATAVISOR_DEMO_DATASET", Raw("DATAVISOR_DEMO_DATASET"), false),
            AgentTimeoutSeconds = Integer("DATAVISOR_AGENT_TIMEOUT_SECONDS", Raw("DATAVISOR_AGENT_TIMEOUT_SECONDS"), 120, 1, 3600),
        };
    }

    /// <summary>Contract §8: true/false/1/0/yes/no/on/off, case-insensitive.</summary>
    public static bool Boolean(string variable, string? value, bool fallback) => value?.ToLowerInvariant() switch
    {
        null => fallback,
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new DataVisorConfigurationException(variable, $"must be one of true/false/1/0/yes/no/on/off (got '{value}')"),
    };

    private static int Integer(string variable, string? value, int fallback, int min, int max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            throw new DataVisorConfigurationException(variable, $"must be an integer (got '{value}')");
        }

        return parsed < min || parsed > max
            ? throw new DataVisorConfigurationException(variable, $"must be between {min} and {max} (got {parsed})")
            : parsed;
    }

    private static string OneOf(string variable, string? value, string[] allowed, string fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        var lower = value.ToLowerInvariant();
        return allowed.Contains(lower)
            ? lower
            : throw new DataVisorConfigurationException(variable, $"must be one of {string.Join(", ", allowed)} (got '{value}')");
    }

    /// <summary>
    /// A size DuckDB's <c>memory_limit</c> accepts: a number and a unit (KB, MB, GB, TB, KiB, MiB, GiB, TiB).
    /// Only this shape is let through, since the value ends up inside a SET statement.
    /// </summary>
    internal static string MemorySize(string variable, string? value, string fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        var compact = value.Replace(" ", string.Empty, StringComparison.Ordinal);
        return MemorySizePattern().IsMatch(compact)
            ? compact
            : throw new DataVisorConfigurationException(variable, $"must be a size such as 256MB or 1GB (got '{value}')");
    }

    [GeneratedRegex("^[0-9]{1,9}(\\.[0-9]{1,3})?([KMGT]i?B)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MemorySizePattern();

    private static string? Url(string variable, string? value) =>
        value is null || Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? value
            : throw new DataVisorConfigurationException(variable, $"must be an absolute http(s) URL (got '{value}')");

    private static string[] SplitList(string value, char separator) =>
        value.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
