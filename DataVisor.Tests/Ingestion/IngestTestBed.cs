using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;
using DuckDB.NET.Data;

namespace DataVisor.Tests.Ingestion;

/// <summary>
/// One test's world: a temp folder with a data folder (annotation files, images) and a state folder
/// (database), and the API running on it. <see cref="Query"/> stops the API first, then reads the
/// database file directly.
/// </summary>
public sealed class IngestTestBed : IDisposable
{
    private readonly IReadOnlyDictionary<string, string?>? _settings;
    private ApiFactory? _api;

    public IngestTestBed(IReadOnlyDictionary<string, string?>? settings = null)
    {
        _settings = settings;
        Directory.CreateDirectory(ImageDir);
        Directory.CreateDirectory(Temp.Combine("state"));
    }

    public TempDirectory Temp { get; } = new("datavisor-ingest");

    public string DataDir => Temp.Combine("data");

    public string ImageDir => Temp.Combine("data", "images");

    public ApiFactory Api => _api ??= new ApiFactory(Temp.Combine("state"), _settings);

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(DataDir, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Runs R2 and returns its events, after checking that it answered with a stream.</summary>
    public async Task<List<JsonElement>> IngestAsync(string annotationPath, string? split = null, string? datasetName = null)
    {
        var (response, events) = await Api.PostForEventsAsync("/datasets/ingest", new Dictionary<string, string?>
        {
            ["annotation_path"] = annotationPath,
            ["image_dir"] = ImageDir,
            ["split"] = split,
            ["dataset_name"] = datasetName,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return events;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var client = Api.CreateClient();
        return await client.GetFromJsonAsync<JsonElement>(path);
    }

    public async Task<int> CountDatasetsAsync() => (await GetJsonAsync("/datasets")).GetProperty("datasets").GetArrayLength();

    /// <summary>Rows of <paramref name="sql"/>, read from the database file once the API has stopped.</summary>
    public List<object?[]> Query(string sql)
    {
        _api?.Dispose();
        _api = null;
        using var connection = new DuckDBConnection($"Data Source={Temp.Combine("state", "datavisor.duckdb")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Rows left in every dataset-owned table: zero after any failed ingest.</summary>
    public long CountAllRows() => Query("""
        SELECT (SELECT count(*) FROM datasets) + (SELECT count(*) FROM samples)
             + (SELECT count(*) FROM annotations) + (SELECT count(*) FROM categories)
        """).Single()[0] is { } count ? Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture) : -1;

    public void Dispose()
    {
        _api?.Dispose();
        Temp.Dispose();
    }
}
