using System.Net;
using System.Net.Http.Json;
using DataVisor.Tests.Infrastructure;
using DuckDB.NET.Data;

namespace DataVisor.Tests.Hosting;

/// <summary>
/// Contract §8, graceful shutdown, with the API as a real process: a container stop (SIGTERM) checkpoints
/// DuckDB and leaves no write-ahead log; a kill loses nothing that was committed.
/// </summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task SigtermExitsCleanlyWithinThirtySecondsAndLeavesNoWal()
    {
        using var folder = new TempDirectory();
        var coco = SyntheticCoco.WriteWithImages(folder.Combine("coco"), images: 3);
        var databasePath = folder.Combine("data", "datavisor.duckdb");

        using (var api = StartApi(folder, databasePath))
        {
            await api.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            var datasetId = await IngestAsync(api, coco);
            Assert.True(File.Exists(databasePath + ".wal"), "the committed ingest is in the WAL before shutdown");

            api.Signal(ApiProcess.SIGTERM);
            var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{api.Output}");
            Assert.False(File.Exists(databasePath + ".wal"), $"WAL left behind:\n{api.Output}");
            Assert.Equal((datasetId, 3L, 3L), ReadDataset(databasePath));
        }
    }

    [Fact]
    public async Task DataCommittedBeforeAKillIsThereAfterRestart()
    {
        using var folder = new TempDirectory();
        var coco = SyntheticCoco.WriteWithImages(folder.Combine("coco"), images: 2);
        var databasePath = folder.Combine("data", "datavisor.duckdb");
        string datasetId;

        using (var api = StartApi(folder, databasePath))
        {
            await api.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            datasetId = await IngestAsync(api, coco);
            api.Signal(ApiProcess.SIGKILL);
            Assert.Equal(137, await api.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.True(File.Exists(databasePath + ".wal"), "a killed process cannot checkpoint");
        using (var restarted = StartApi(folder, databasePath))
        {
            await restarted.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            using var client = restarted.CreateClient();
            using var response = await client.GetAsync($"/datasets/{datasetId}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var dataset = await response.Content.ReadFromJsonAsync<DatasetCounts>(SnakeCase);
            Assert.Equal(new DatasetCounts(datasetId, 2, 2), dataset);
        }
    }

    [Fact]
    public async Task AKillInTheMiddleOfAnIngestLeavesNoHalfDatasetAfterRestart()
    {
        using var folder = new TempDirectory();
        var coco = SyntheticCoco.WriteLarge(folder.Combine("coco"), images: 40_000, annotationsPerImage: 10);
        var databasePath = folder.Combine("data", "datavisor.duckdb");

        using (var api = StartApi(folder, databasePath))
        {
            await api.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            using var client = api.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/datasets/ingest")
            {
                Content = JsonContent.Create(new { annotation_path = coco.AnnotationPath, image_dir = coco.ImageDirectory }),
            };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // The stream is open, so the ingest is running (its first frame is a keep-alive or an event).
            await using var body = await response.Content.ReadAsStreamAsync();
            Assert.True(await body.ReadAsync(new byte[1]) > 0);

            api.Signal(ApiProcess.SIGKILL);
            Assert.Equal(137, await api.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        using var restarted = StartApi(folder, databasePath);
        await restarted.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        using var restartedClient = restarted.CreateClient();
        Assert.Equal("""{"datasets":[]}""", await restartedClient.GetStringAsync("/datasets"));
        restarted.Signal(ApiProcess.SIGTERM);
        Assert.Equal(0, await restarted.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal((0L, 0L), CountRows(databasePath));
    }

    private static (long Samples, long Annotations) CountRows(string databasePath)
    {
        using var connection = new DuckDBConnection($"Data Source={databasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM samples), (SELECT count(*) FROM annotations)";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static readonly System.Text.Json.JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };

    private sealed record DatasetCounts(string Id, long ImageCount, long AnnotationCount);

    private static ApiProcess StartApi(TempDirectory folder, string databasePath) => ApiProcess.Start(
        new Dictionary<string, string?>
        {
            ["DATAVISOR_DB_PATH"] = databasePath,
            ["DATAVISOR_THUMBNAIL_CACHE_DIR"] = folder.Combine("data", "thumbnails"),
        },
        folder.Path);

    private static async Task<string> IngestAsync(ApiProcess api, CocoFiles coco)
    {
        using var client = api.CreateClient();
        using var response = await client.PostAsJsonAsync("/datasets/ingest", new
        {
            annotation_path = coco.AnnotationPath,
            image_dir = coco.ImageDirectory,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await EventStreamReader.ReadAllAsync(response);
        var complete = events[^1].Data;
        Assert.Equal("complete", complete.GetProperty("stage").GetString());
        return complete.GetProperty("dataset_id").GetString()!;
    }

    private static (string Id, long Images, long Annotations) ReadDataset(string databasePath)
    {
        using var connection = new DuckDBConnection($"Data Source={databasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, image_count, annotation_count FROM datasets";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var row = (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
        Assert.False(reader.Read());
        return row;
    }
}
