using System.Net;
using System.Text.Json;

namespace DataVisor.Tests.Editing;

/// <summary>
/// Ground-truth edits keep the browsing index in step: the category filter of R8, the category facets of
/// R9 and the statistics of R18 see every create, rename and delete at once.
/// </summary>
public sealed class EditsFollowBrowsingTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task CreateRenameAndDeleteAreVisibleToFiltersFacetsAndStatistics()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        Assert.Equal(["1", "2"], await SampleIdsWithCategoryAsync(datasetId, "cat"));

        var created = await _bed.SendAsync(HttpMethod.Post, "/annotations",
            new { dataset_id = datasetId, sample_id = "3", category_name = "zebra", bbox_x = 1, bbox_y = 1, bbox_w = 2, bbox_h = 2 });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var zebraId = created.Json.GetProperty("id").GetString()!;
        Assert.Equal(["3"], await SampleIdsWithCategoryAsync(datasetId, "zebra"));
        Assert.Equal(1, await FacetCountAsync(datasetId, "zebra"));
        Assert.Equal((1L, 0L), await StatisticsCountsAsync(datasetId, "zebra"));

        var renamed = await _bed.SendAsync(HttpMethod.Patch, "/annotations/12/category", new { category_name = "dog" });
        Assert.Equal(HttpStatusCode.OK, renamed.Status);
        Assert.Equal(["1"], await SampleIdsWithCategoryAsync(datasetId, "cat"));
        Assert.Equal(["1", "2"], await SampleIdsWithCategoryAsync(datasetId, "dog"));
        Assert.Equal(1, await FacetCountAsync(datasetId, "cat"));
        Assert.Equal(2, await FacetCountAsync(datasetId, "dog"));

        var deleted = await _bed.SendAsync(HttpMethod.Delete, $"/annotations/{zebraId}");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Empty(await SampleIdsWithCategoryAsync(datasetId, "zebra"));
        Assert.Null(await FacetCountAsync(datasetId, "zebra"));
        Assert.Equal((0L, 0L), await StatisticsCountsAsync(datasetId, "zebra"));
    }

    private async Task<List<string>> SampleIdsWithCategoryAsync(string datasetId, string category)
    {
        var answer = await _bed.SendAsync(HttpMethod.Get, $"/samples?dataset_id={datasetId}&category={category}");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return [.. answer.Json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];
    }

    private async Task<int?> FacetCountAsync(string datasetId, string category)
    {
        var answer = await _bed.SendAsync(HttpMethod.Get, $"/samples/filter-facets?dataset_id={datasetId}");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Json.GetProperty("categories").EnumerateArray()
            .Where(f => f.GetProperty("name").GetString() == category)
            .Select(f => (int?)f.GetProperty("count").GetInt32())
            .SingleOrDefault();
    }

    private async Task<(long Gt, long Pred)> StatisticsCountsAsync(string datasetId, string category)
    {
        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/statistics");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var entry = answer.Json.GetProperty("class_distribution").EnumerateArray()
            .Where(c => c.GetProperty("category_name").GetString() == category)
            .Select(c => (c.GetProperty("gt_count").GetInt64(), c.GetProperty("pred_count").GetInt64()))
            .ToList();
        return entry.Count == 0 ? (0, 0) : entry[0];
    }
}
