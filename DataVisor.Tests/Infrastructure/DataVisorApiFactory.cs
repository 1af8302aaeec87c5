using DataVisor.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DataVisor.Tests.Infrastructure;

/// <summary>
/// The API in-process on a private temporary data folder. Extra <c>DATAVISOR_*</c> settings are passed
/// the way the service reads them: as configuration keys named like the environment variables.
/// </summary>
public sealed class DataVisorApiFactory : WebApplicationFactory<ApiEntryPoint>
{
    private readonly TempDirectory _data = new("datavisor-api");
    private readonly Dictionary<string, string?> _settings;

    public DataVisorApiFactory(IReadOnlyDictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["DATAVISOR_DB_PATH"] = _data.Combine("datavisor.duckdb"),
            ["DATAVISOR_THUMBNAIL_CACHE_DIR"] = _data.Combine("thumbnails"),
            ["DATAVISOR_MODELS_DIR"] = _data.Combine("models"),
            ["DATAVISOR_PLUGIN_DIR"] = _data.Combine("plugins"),
            ["DATAVISOR_QDRANT_PATH"] = _data.Combine("qdrant"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory => _data.Path;

    public string DatabasePath => _settings["DATAVISOR_DB_PATH"]!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}
