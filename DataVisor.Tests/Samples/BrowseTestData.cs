using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api.Samples;
using DataVisor.Tests.Ingestion;
using DuckDB.NET.Data;

namespace DataVisor.Tests.Samples;

/// <summary>
/// A small COCO dataset ingested through R2, then given what no route can make yet (mixed null and
/// non-null splits as a multi-split import has, tags, a prediction run) by writing the database while the
/// API is stopped and refreshing the browse index exactly as those features must.
/// </summary>
/// <remarks>
/// Images (id: file_name width×height split tags): 1: B_10.jpg 100×50 train [reviewed, dark];
/// 2: a_2.jpg 200×50 train [reviewed]; 3: a%b.jpg 100×60 train; 4: A_b.jpg 300×60 null;
/// 5: c.png 100×70 null; 10: x10.jpg 200×70 val [dark]; 11: Photo_ONE.jpg 50×80 val.
/// Ground truth: 1 cat, 1 dog, 2 cat, 3 car, 10 dog, 10 dog. Run <c>run_a</c>: 5 person (0.9), 1 cat (null).
/// </remarks>
public sealed class BrowseTestData : IAsyncLifetime
{
    public IngestTestBed Bed { get; } = new();

    public string DatasetId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var path = Bed.WriteFile("instances.json", """
            {"images": [
              {"id": 1, "file_name": "B_10.jpg", "width": 100, "height": 50},
              {"id": 2, "file_name": "a_2.jpg", "width": 200, "height": 50},
              {"id": 3, "file_name": "a%b.jpg", "width": 100, "height": 60},
              {"id": 4, "file_name": "A_b.jpg", "width": 300, "height": 60},
              {"id": 5, "file_name": "c.png", "width": 100, "height": 70},
              {"id": 10, "file_name": "x10.jpg", "width": 200, "height": 70},
              {"id": 11, "file_name": "Photo_ONE.jpg", "width": 50, "height": 80}],
             "annotations": [
              {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0},
              {"id": 2, "image_id": 1, "category_id": 2, "bbox": [5, 6, 7, 8], "area": 56, "iscrowd": 1},
              {"id": 3, "image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
              {"id": 4, "image_id": 3, "category_id": 3, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
              {"id": 5, "image_id": 10, "category_id": 2, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
              {"id": 6, "image_id": 10, "category_id": 2, "bbox": [1, 1, 10, 10], "area": 100, "iscrowd": 0}],
             "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}, {"id": 3, "name": "car"}]}
            """);
        var events = await Bed.IngestAsync(path);
        DatasetId = events[^1].GetProperty("dataset_id").GetString()!;
        Bed.Query("SELECT 1"); // stops the API so the file can be written directly
        WithDatabase(Bed, connection =>
        {
            Execute(connection, """
                UPDATE samples SET split = CASE WHEN id IN ('1', '2', '3') THEN 'train' WHEN id IN ('10', '11') THEN 'val' END,
                                   tags = CASE id WHEN '1' THEN ['reviewed', 'dark'] WHEN '2' THEN ['reviewed'] WHEN '10' THEN ['dark'] ELSE tags END
                WHERE dataset_id = $dataset_id
                """, DatasetId);
            Execute(connection, """
                INSERT INTO annotations VALUES
                  ('p1', $dataset_id, '5', 'person', 1, 1, 2, 2, 4, false, 'run_a', 0.9, 100),
                  ('p2', $dataset_id, '1', 'cat', 2, 2, 3, 3, 9, false, 'run_a', NULL, 101)
                """, DatasetId);
            BrowseIndex.ComputeSampleKeys(connection, DatasetId);
            BrowseIndex.RefreshAnnotations(connection, DatasetId);
        });
    }

    public Task DisposeAsync()
    {
        Bed.Dispose();
        return Task.CompletedTask;
    }

    public async Task<JsonElement> GetAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var client = Bed.Api.CreateClient();
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{path}: {(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>The ids of an R8 response's items, in order.</summary>
    public async Task<(List<string> Ids, long Total)> ListAsync(string query)
    {
        var page = await GetAsync($"/samples?dataset_id={DatasetId}&{query}");
        var ids = page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!).ToList();
        return (ids, page.GetProperty("total").GetInt64());
    }

    /// <summary>Writes the database while the API is stopped; the next request starts it again.</summary>
    public static void WithDatabase(IngestTestBed bed, Action<DuckDBConnection> write)
    {
        using var connection = new DuckDBConnection($"Data Source={bed.Temp.Combine("state", "datavisor.duckdb")}");
        connection.Open();
        write(connection);
    }

    public static void Execute(DuckDBConnection connection, string sql, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        command.ExecuteNonQuery();
    }
}
