using DataVisor.Api.Configuration;
using DataVisor.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Hosting;

/// <summary>Contract §8: settings are validated at startup and a bad value names its variable.</summary>
public sealed class StartupConfigurationTests
{
    [Theory]
    [InlineData("DATAVISOR_BEHIND_PROXY", "maybe")]
    [InlineData("DATAVISOR_PORT", "eighty")]
    [InlineData("DATAVISOR_PORT", "70000")]
    [InlineData("DATAVISOR_THUMBNAIL_WEBP_QUALITY", "0")]
    [InlineData("DATAVISOR_THUMBNAIL_DEFAULT_SIZE", "huge")]
    [InlineData("DATAVISOR_EMBEDDING_DEVICE", "tpu")]
    [InlineData("DATAVISOR_AGENT_BASE_URL", "not a url")]
    [InlineData("DATAVISOR_DUCKDB_MEMORY_LIMIT", "256'; PRAGMA x; --MB")]
    [InlineData("DATAVISOR_DUCKDB_MEMORY_LIMIT", "lots")]
    public void InvalidValueIsRejectedNamingTheVariable(string variable, string value)
    {
        var error = Assert.Throws<DataVisorConfigurationException>(() => Read((variable, value)));

        Assert.Equal(variable, error.Variable);
        Assert.Contains(variable, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void DefaultsFollowTheContract()
    {
        var options = Read();

        Assert.Equal(Path.GetFullPath("/srv/work/data/datavisor.duckdb"), options.DatabasePath);
        Assert.Equal(Path.GetFullPath("/srv/work/data/thumbnails"), options.ThumbnailCacheDirectory);
        Assert.Equal(Path.GetFullPath("/srv/work/plugins"), options.PluginDirectory);
        Assert.Equal("medium", options.ThumbnailDefaultSize);
        Assert.Equal(80, options.ThumbnailWebpQuality);
        Assert.Equal(500, options.IngestThumbnailLimit);
        Assert.Equal("0.0.0.0", options.Host);
        Assert.Equal(8000, options.Port);
        Assert.False(options.BehindProxy);
        Assert.Equal(["http://localhost:3000"], options.CorsOrigins);
        Assert.Empty(options.DataRoots);
        Assert.Equal("builtin", options.AgentModel);
        Assert.Equal(120, options.AgentTimeoutSeconds);
        Assert.Equal("256MB", options.DuckDbMemoryLimit);
    }

    [Fact]
    public void ListsAndPathsAreParsedAndNormalised()
    {
        var options = Read(
            ("DATAVISOR_DB_PATH", "db/../store/x.duckdb"),
            ("DATAVISOR_CORS_ORIGINS", "http://a.test/, http://b.test"),
            ("DATAVISOR_DATA_ROOTS", "/data/one/:relative/two"),
            ("DATAVISOR_BEHIND_PROXY", "Off"));

        Assert.Equal("/srv/work/store/x.duckdb", options.DatabasePath);
        Assert.Equal(["http://a.test", "http://b.test"], options.CorsOrigins);
        Assert.Equal(["/data/one", "/srv/work/relative/two"], options.DataRoots);
        Assert.False(options.BehindProxy);
    }

    [Fact]
    public async Task TheDuckDbMemoryLimitSettingBoundsTheDatabaseInstance()
    {
        using var factory = new DataVisorApiFactory(new Dictionary<string, string?> { ["DATAVISOR_DUCKDB_MEMORY_LIMIT"] = "96 MB" });
        using var client = factory.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        var database = factory.Services.GetRequiredService<DataVisor.Api.Storage.DuckDbDatabase>();
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('memory_limit')";
        // DuckDB reports the limit in its own units (96 MB = 96,000,000 bytes ≈ 91.5 MiB).
        Assert.Equal("91.5 MiB", command.ExecuteScalar());
    }

    [Fact]
    public void AnEmptyOriginListDisablesCors() =>
        Assert.Empty(Read(("DATAVISOR_CORS_ORIGINS", "")).CorsOrigins);

    [Fact]
    public async Task TheProcessRefusesToStartAndSaysWhichVariableIsWrong()
    {
        using var folder = new TempDirectory();
        using var api = ApiProcess.Start(
            new Dictionary<string, string?>
            {
                ["DATAVISOR_DB_PATH"] = folder.Combine("db.duckdb"),
                ["DATAVISOR_THUMBNAIL_WEBP_QUALITY"] = "loud",
            },
            folder.Path);

        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("DATAVISOR_THUMBNAIL_WEBP_QUALITY", api.Output);
        Assert.Contains("'loud'", api.Output);
        Assert.DoesNotContain("   at ", api.Output);
        Assert.False(File.Exists(folder.Combine("db.duckdb")), "no database is created with a bad configuration");
    }

    private static DataVisorOptions Read(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return DataVisorOptionsReader.Read(configuration, "/srv/work");
    }
}
