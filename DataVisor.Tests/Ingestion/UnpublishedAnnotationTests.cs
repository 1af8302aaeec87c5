using System.Net.Http.Json;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Ingestion;

/// <summary>
/// A COCO ingest appends its annotations straight into <c>annotations</c> before its dataset row exists
/// (<c>UnpublishedAnnotations</c>): such rows must never be reached, and must not outlive their ingest.
/// </summary>
public sealed class UnpublishedAnnotationTests : IDisposable
{
    // Categories last, as in val2017: the names are known only after the annotations.
    private const string File = """
        {"images": [{"id": 1, "file_name": "x.png", "width": 4, "height": 4},
                    {"id": 2, "file_name": "y.png", "width": 4, "height": 4}],
         "annotations": [{"id": 17, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
                         {"id": 18, "image_id": 2, "category_id": 2, "bbox": [0, 0, 2, 2]},
                         {"id": 19, "image_id": 9, "category_id": 1, "bbox": [0, 0, 3, 3]}],
         "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]}
        """;

    private const string NeverPublished = "00000000-0000-4000-8000-00000000dead";

    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task StartDeletesTheRowsOfAnIngestThatNeverPublished()
    {
        await _bed.IngestAsync(_bed.WriteFile("a.json", File));
        Assert.Equal(2L, _bed.Query("SELECT count(*) FROM annotations")[0][0]);

        // What a kill -9 in the middle of a pass leaves: committed appends under an id with no datasets row.
        using (var connection = new DuckDBConnection($"Data Source={_bed.Api.DatabasePath}"))
        {
            connection.Open();
            InsertAnnotation(connection, "17", NeverPublished);
            InsertAnnotation(connection, "ann_x", NeverPublished);
        }

        Assert.Equal(1, await _bed.CountDatasetsAsync());
        var rows = _bed.Query("SELECT id, category_name FROM annotations ORDER BY id");
        Assert.Equal([["17", "cat"], ["18", "dog"]], rows.Select(row => row.Select(value => (string?)value).ToArray()));
    }

    [Fact]
    public async Task EditsOfAnIdReachOnlyThePublishedRow()
    {
        await _bed.IngestAsync(_bed.WriteFile("a.json", File));
        var database = _bed.Api.Services.GetRequiredService<DuckDbDatabase>();
        using (var connection = database.OpenConnection())
        {
            // Another ingest, still in its pass, has appended its own "17" and "18".
            InsertAnnotation(connection, "17", NeverPublished);
            InsertAnnotation(connection, "18", NeverPublished);
        }

        using var client = _bed.Api.CreateClient();
        using (var renamed = await client.PatchAsJsonAsync("/annotations/17/category", new { category_name = "lynx" }))
        {
            Assert.True(renamed.IsSuccessStatusCode, await renamed.Content.ReadAsStringAsync());
        }

        using (var deleted = await client.DeleteAsync("/annotations/18"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        using (var connection = database.OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, dataset_id = $unpublished, category_name FROM annotations ORDER BY id, 2";
            command.Parameters.Add(new DuckDBParameter("unpublished", NeverPublished));
            using var reader = command.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read())
            {
                rows.Add($"{reader.GetString(0)} {(reader.GetBoolean(1) ? "unpublished" : "published")} {reader.GetString(2)}");
            }

            Assert.Equal(["17 published lynx", "17 unpublished 1", "18 unpublished 1"], rows);
        }
    }

    private static void InsertAnnotation(DuckDBConnection connection, string id, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO annotations (id, dataset_id, sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, source, confidence, seq)
            VALUES ($id, $dataset_id, '1', '1', 0, 0, 1, 1, 1, false, 'ground_truth', NULL, 0)
            """;
        command.Parameters.Add(new DuckDBParameter("id", id));
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        command.ExecuteNonQuery();
    }
}
