using System.Net;
using System.Text;

namespace DataVisor.Tests.Ingestion;

/// <summary>
/// Contract §1.3: no file content may cause a 500. Randomly damaged COCO files, through the real route:
/// every stream ends with exactly one complete or error event, and only completed ingests leave rows.
/// </summary>
public sealed class IngestFuzzTests : IDisposable
{
    private const string Valid = """
        {"info": {"year": 2026}, "images": [
           {"id": 1, "file_name": "a.png", "width": 4, "height": 3},
           {"id": "two", "file_name": "sub/b.png"},
           {"id": 3, "file_name": "../c.png", "width": 1, "height": 1}],
         "annotations": [
           {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4, "iscrowd": 0, "segmentation": [[0, 0, 1, 1]]},
           {"id": "x", "image_id": "two", "category_id": 2, "bbox": [1, 1, 1, 1]},
           {"image_id": 3, "category_id": 1},
           {"id": 4, "image_id": 42, "category_id": 9}],
         "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
        """;

    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task DamagedFiles_EndWithOneTerminalEvent_AndOnlyCompletedIngestsRemain()
    {
        TestImages.WritePng(Path.Combine(_bed.ImageDir, "a.png"), 4, 3);
        var valid = Encoding.UTF8.GetBytes(Valid);
        var random = new Random(424242);
        byte[] interesting = [.. "{}[]\",:019-.e\\ t"u8, 0x00, 0x0A, 0xC3, 0xFF];
        var completed = 0;
        for (var round = 0; round < 60; round++)
        {
            var mutated = (byte[])valid.Clone();
            if (round % 2 == 0)
            {
                mutated = mutated[..random.Next(mutated.Length)];
            }
            else
            {
                for (var flips = random.Next(1, 3); flips > 0; flips--)
                {
                    mutated[random.Next(mutated.Length)] = interesting[random.Next(interesting.Length)];
                }
            }

            var path = Path.Combine(_bed.DataDir, $"fuzz{round}.json");
            await File.WriteAllBytesAsync(path, mutated);
            var events = await _bed.IngestAsync(path);

            var terminal = Assert.Single(events, e => e.GetProperty("stage").GetString() is "complete" or "error");
            Assert.Equal(terminal.GetRawText(), events[^1].GetRawText());
            if (terminal.GetProperty("stage").GetString() == "complete")
            {
                completed++;
            }
        }

        Assert.Equal(completed, await _bed.CountDatasetsAsync());
        // Every committed dataset's counters match its rows.
        Assert.Empty(_bed.Query("""
            SELECT d.id FROM datasets d
            WHERE d.image_count <> (SELECT count(*) FROM samples s WHERE s.dataset_id = d.id)
               OR d.annotation_count <> (SELECT count(*) FROM annotations a WHERE a.dataset_id = d.id)
            """));
        Assert.Equal(0L, _bed.Query("SELECT count(*) FROM samples WHERE dataset_id NOT IN (SELECT id FROM datasets)").Single()[0]);
        Assert.True(completed > 0, "no mutation was harmless: the fuzz only saw errors");
    }

    [Fact]
    public async Task ClientThatDisconnects_RollsTheIngestBack()
    {
        // Categories first, so progress events are written while the file is read and the server notices the
        // disconnect on its next write.
        var json = new StringBuilder("{\"categories\": [{\"id\": 1, \"name\": \"a\"}], \"images\": [");
        json.AppendJoin(',', Enumerable.Range(1, 200_000).Select(i => $"{{\"id\": {i}, \"file_name\": \"{i}.jpg\", \"width\": 8, \"height\": 8}}"));
        json.Append("]}");
        var path = _bed.WriteFile("big.json", json.ToString());
        using var spans = new ActivityCollector();

        string datasetId;
        using (var client = _bed.Api.CreateClient())
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/datasets/ingest"))
        {
            request.Content = CocoIngestTests.JsonBody(new { annotation_path = path, image_dir = _bed.ImageDir });
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = new StreamReader(await response.Content.ReadAsStreamAsync());
            var first = Infrastructure.ApiFactory.ParseDataEvents(await body.ReadLineAsync() + "\n\n").Single();
            datasetId = first.GetProperty("dataset_id").GetString()!;
        }

        // The ingest ends on its own, while the API is still running, because the client went away.
        var ingest = await spans.WaitForIngestAsync(datasetId, TimeSpan.FromSeconds(60));
        Assert.Equal("cancelled", ingest.GetTagItem("datavisor.ingest.outcome"));
        Assert.Equal(0, await _bed.CountDatasetsAsync());
        Assert.Equal(0, _bed.CountAllRows());
    }
}
