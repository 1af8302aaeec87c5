using System.Net;
using DataVisor.Tests.Editing;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Samples;

/// <summary>
/// The in-memory browse snapshot (Samples/BrowseCache) never answers from before a committed write: each
/// test first makes the API cache the filter it then changes through another route, and the next
/// listing or facet must show the write. A writer that forgot to invalidate fails here.
/// </summary>
public sealed class BrowseFreshnessTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task BulkTagAndUntag_ShowInTagFilterAndFacet()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Empty(await IdsAsync(datasetId, "tags=blurry"));

        await SendOkAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { "3", "1" }, tag = "blurry" });
        Assert.Equal(["1", "3"], await IdsAsync(datasetId, "tags=blurry"));
        Assert.Equal(["3", "1"], await IdsAsync(datasetId, "tags=blurry&sort_dir=desc"));
        Assert.Contains("""{"name":"blurry","count":2}""", await FacetsAsync(datasetId));

        await SendOkAsync(HttpMethod.Patch, "/samples/bulk-untag", new { dataset_id = datasetId, sample_ids = new[] { "1" }, tag = "blurry" });
        Assert.Equal(["3"], await IdsAsync(datasetId, "tags=blurry"));
        Assert.Contains("""{"name":"blurry","count":1}""", await FacetsAsync(datasetId));
        // The page shows the stored tags too, not only the filter.
        var page = (await _bed.SendAsync(HttpMethod.Get, $"/samples?dataset_id={datasetId}&sample_ids=3")).Json;
        Assert.Equal("blurry", page.GetProperty("items")[0].GetProperty("tags")[0].GetString());
    }

    [Fact]
    public async Task TriageTagsAndOverrideMarker_ShowInTagFilter()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Empty(await IdsAsync(datasetId, "tags=triage:fp"));
        Assert.Empty(await IdsAsync(datasetId, "tags=triage:annotated"));

        await SendOkAsync(HttpMethod.Patch, "/samples/set-triage-tag", new { dataset_id = datasetId, sample_id = "2", tag = "triage:fp" });
        Assert.Equal(["2"], await IdsAsync(datasetId, "tags=triage:fp"));
        await SendOkAsync(HttpMethod.Delete, $"/samples/2/triage-tag?dataset_id={datasetId}");
        Assert.Empty(await IdsAsync(datasetId, "tags=triage:fp"));

        await SendOkAsync(HttpMethod.Patch, "/samples/set-annotation-triage", new { annotation_id = "10", dataset_id = datasetId, sample_id = "1", label = "fp" });
        Assert.Equal(["1"], await IdsAsync(datasetId, "tags=triage:annotated"));
        await SendOkAsync(HttpMethod.Delete, $"/samples/1/annotation-triage/10?dataset_id={datasetId}");
        Assert.Empty(await IdsAsync(datasetId, "tags=triage:annotated"));
    }

    [Fact]
    public async Task GroundTruthEdits_ShowInCategoryFilter()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Equal(["1", "2"], await IdsAsync(datasetId, "category=cat"));
        Assert.Empty(await IdsAsync(datasetId, "category=bird"));

        await SendOkAsync(HttpMethod.Patch, "/annotations/12/category", new { category_name = "bird" });
        Assert.Equal(["1"], await IdsAsync(datasetId, "category=cat"));
        Assert.Equal(["2"], await IdsAsync(datasetId, "category=bird"));

        var created = await SendOkAsync(HttpMethod.Post, "/annotations",
            new { dataset_id = datasetId, sample_id = "3", category_name = "bird", bbox_x = 1, bbox_y = 1, bbox_w = 2, bbox_h = 2 });
        Assert.Equal(["2", "3"], await IdsAsync(datasetId, "category=bird"));

        await SendOkAsync(HttpMethod.Delete, $"/annotations/{created.Json.GetProperty("id").GetString()}");
        Assert.Equal(["2"], await IdsAsync(datasetId, "category=bird&sort_by=file_name&sort_dir=desc"));
    }

    [Fact]
    public async Task PredictionImportAndDelete_ShowInCategoryFilter()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Equal(["1"], await IdsAsync(datasetId, "category=dog"));

        var predictions = _bed.Bed.WriteFile("predictions.json", """
            [{"image_id": 3, "category_id": 2, "bbox": [1, 1, 5, 5], "score": 0.9},
             {"image_id": 2, "category_id": 3, "bbox": [1, 1, 5, 5], "score": 0.4}]
            """);
        await SendOkAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = predictions, run_name = "run_a" });
        Assert.Equal(["1", "3"], await IdsAsync(datasetId, "category=dog"));
        Assert.Equal(["2"], await IdsAsync(datasetId, "category=bird"));

        await SendOkAsync(HttpMethod.Delete, $"/datasets/{datasetId}/predictions/run_a", expected: HttpStatusCode.NoContent);
        Assert.Equal(["1"], await IdsAsync(datasetId, "category=dog"));
        Assert.Empty(await IdsAsync(datasetId, "category=bird"));
    }

    [Fact]
    public async Task DeletedDataset_ListsNothing()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Equal(["1", "2", "3"], await IdsAsync(datasetId, ""));
        Assert.Equal(["1", "2"], await IdsAsync(datasetId, "category=cat"));

        await SendOkAsync(HttpMethod.Delete, $"/datasets/{datasetId}", expected: HttpStatusCode.NoContent);

        Assert.Empty(await IdsAsync(datasetId, ""));
        Assert.Empty(await IdsAsync(datasetId, "category=cat"));
        Assert.Equal("""{"categories":[],"splits":[],"tags":[],"sources":[]}""", await FacetsAsync(datasetId));
    }

    /// <summary>
    /// No route re-uses a dataset id (every ingest makes a new one), but a re-ingest under the same id must
    /// not be served from the old ingest's snapshot: the second dataset's rows are moved under the first's
    /// id, in the running API's own database, as a delete and re-ingest would leave them.
    /// </summary>
    [Fact]
    public async Task ReingestUnderTheSameId_IsNotServedFromTheOldSnapshot()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Equal(["1", "2", "3"], await IdsAsync(datasetId, "sort_by=width"));
        Assert.Equal(["1", "2"], await IdsAsync(datasetId, "category=cat"));
        var path = _bed.Bed.WriteFile("other.json", """
            {"images": [
              {"id": 1, "file_name": "o1.png", "width": 90, "height": 30},
              {"id": 2, "file_name": "o2.png", "width": 70, "height": 30},
              {"id": 3, "file_name": "o3.png", "width": 80, "height": 30},
              {"id": 4, "file_name": "o4.png", "width": 60, "height": 30}],
             "annotations": [{"id": 1, "image_id": 4, "category_id": 1, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}],
             "categories": [{"id": 1, "name": "cat"}]}
            """);
        var other = (await _bed.Bed.IngestAsync(path))[^1].GetProperty("dataset_id").GetString()!;

        var database = _bed.Bed.Api.Services.GetRequiredService<DataVisor.Api.Storage.DuckDbDatabase>();
        using (var connection = database.OpenConnection())
        {
            foreach (var table in new[] { "datasets", "categories", "samples", "annotations", "sample_categories", "annotation_counts" })
            {
                var key = table == "datasets" ? "id" : "dataset_id";
                using var command = connection.CreateCommand();
                command.CommandText = $"DELETE FROM {table} WHERE {key} = '{datasetId}'; UPDATE {table} SET {key} = '{datasetId}' WHERE {key} = '{other}'";
                command.ExecuteNonQuery();
            }
        }

        Assert.Equal(["4", "2", "3", "1"], await IdsAsync(datasetId, "sort_by=width"));
        Assert.Equal(["4"], await IdsAsync(datasetId, "category=cat"));
        Assert.Equal(["o4.png"], (await _bed.SendAsync(HttpMethod.Get, $"/samples?dataset_id={datasetId}&category=cat")).Json
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("file_name").GetString()!).ToList());
    }

    [Fact]
    public async Task ListingsRacingTagWrites_NeverFail_AndTheLastWriteShows()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        var tags = Enumerable.Range(0, 25).Select(i => $"t{i:D2}").ToList();
        var writes = Task.Run(async () =>
        {
            foreach (var tag in tags)
            {
                await SendOkAsync(HttpMethod.Patch, "/samples/bulk-tag", new { dataset_id = datasetId, sample_ids = new[] { "2" }, tag });
            }
        });
        var reads = Enumerable.Range(0, 3).Select(reader => Task.Run(async () =>
        {
            while (!writes.IsCompleted)
            {
                var ids = await IdsAsync(datasetId, $"tags=t00&sort_by={(reader == 0 ? "file_name" : "id")}&sort_dir=desc");
                Assert.True(ids.Count == 0 || ids.SequenceEqual(["2"]), string.Join(",", ids));
                await FacetsAsync(datasetId);
            }
        })).ToList();
        await Task.WhenAll([writes, .. reads]);

        Assert.Equal(["2"], await IdsAsync(datasetId, $"tags={tags[^1]},{tags[0]}"));
        var item = (await _bed.SendAsync(HttpMethod.Get, $"/samples?dataset_id={datasetId}&sample_ids=2")).Json.GetProperty("items")[0];
        Assert.Equal(tags, item.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList());
    }

    private async Task<List<string>> IdsAsync(string datasetId, string query)
    {
        var answer = await _bed.SendAsync(HttpMethod.Get, $"/samples?dataset_id={datasetId}&{query}");
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        var page = answer.Json;
        var ids = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Count, page.GetProperty("total").GetInt64());
        return ids;
    }

    private async Task<string> FacetsAsync(string datasetId)
    {
        var answer = await _bed.SendAsync(HttpMethod.Get, $"/samples/filter-facets?dataset_id={datasetId}");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Text;
    }

    private async Task<JsonAnswer> SendOkAsync(HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var answer = body is null ? await _bed.SendAsync(method, path) : await _bed.SendAsync(method, path, body);
        Assert.True(answer.Status == expected, $"{method} {path}: {(int)answer.Status} {answer.Text}");
        return answer;
    }
}
