using DataVisor.Api.Samples;
using DataVisor.Api.Storage;
using DataVisor.Tests.Infrastructure;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataVisor.Tests.Samples;

/// <summary>
/// The cache's bound, which no HTTP test can reach (it is millions of samples): with a bound of 5 samples,
/// browsing a second dataset evicts the least recently browsed one, and browsing it again rebuilds it.
/// </summary>
public sealed class BrowseCacheBoundTests : IDisposable
{
    private readonly TempDirectory _temp = new("datavisor-browse-cache");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void LeastRecentlyBrowsedDatasetIsEvicted_AndRebuiltOnItsNextRequest()
    {
        using var database = new DuckDbDatabase(_temp.Combine("state.duckdb"), NullLogger<DuckDbDatabase>.Instance);
        using (var connection = database.OpenConnection())
        {
            DatabaseSchema.EnsureCreated(connection);
            AddDataset(connection, "small", ["b", "a", "c"]);
            AddDataset(connection, "large", ["z", "y", "x", "w"]);
        }

        var cache = new BrowseCache(NullLogger<BrowseCache>.Instance, maxCachedSamples: 5);
        var catalog = new SampleCatalog(database, cache);
        var byFileName = SampleOrder.For("file_name", "asc");
        var all = (string id) => new SampleFilter(id, null, null, null, [], []);

        Assert.Equal(["2", "1", "3"], catalog.List(all("small"), byFileName, 0, 50).Items.Select(s => s.Id));
        Assert.True(cache.Holds("small"));
        Assert.Equal(["4", "3", "2", "1"], catalog.List(all("large"), byFileName, 0, 50).Items.Select(s => s.Id));
        Assert.True(cache.Holds("large"));
        Assert.False(cache.Holds("small"));

        Assert.Equal(["2", "1", "3"], catalog.List(all("small"), byFileName, 0, 50).Items.Select(s => s.Id));
        Assert.True(cache.Holds("small"));
        Assert.False(cache.Holds("large"));
    }

    private static void AddDataset(DuckDBConnection connection, string datasetId, string[] fileNames)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO datasets VALUES ($id, $id, 'coco', 'detection', '/x', '/x', now(), {fileNames.Length}, 0, 0, 0);
            INSERT INTO samples (dataset_id, id, file_name, image_dir, width, height, split, tags, source_image_id, position)
            SELECT $id, CAST(i + 1 AS VARCHAR), f, '/x', 10, 10, NULL, [], CAST(i + 1 AS VARCHAR), i
            FROM (SELECT unnest($names) AS f, generate_subscripts($names, 1) - 1 AS i);
            """;
        command.Parameters.Add(new DuckDBParameter("id", datasetId));
        command.Parameters.Add(new DuckDBParameter("names", fileNames.ToList()));
        command.ExecuteNonQuery();
        BrowseIndex.ComputeSampleKeys(connection, datasetId);
    }
}
