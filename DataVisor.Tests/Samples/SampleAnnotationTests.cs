using System.Net;
using System.Text.Json;

namespace DataVisor.Tests.Samples;

/// <summary>R9 facets, R12 batch annotations and R13 per-sample annotations (contract §4.3).</summary>
public sealed class SampleAnnotationTests(BrowseTestData data) : IClassFixture<BrowseTestData>
{
    [Fact]
    public async Task FacetsCountAnnotationRowsOfAllSources_AndSamplesPerSplitAndTag()
    {
        var facets = await data.GetAsync($"/samples/filter-facets?dataset_id={data.DatasetId}");
        Assert.Equal([("car", 1L), ("cat", 3L), ("dog", 3L), ("person", 1L)], Facets(facets, "categories"));
        Assert.Equal([("train", 3L), ("val", 2L)], Facets(facets, "splits"));
        Assert.Equal([("dark", 2L), ("reviewed", 2L)], Facets(facets, "tags"));
        Assert.Equal([("ground_truth", 6L), ("run_a", 2L)], Facets(facets, "sources"));
    }

    [Fact]
    public async Task FacetsOfAnUnknownDatasetAreEmpty_DatasetIdIsRequired()
    {
        var facets = await data.GetAsync("/samples/filter-facets?dataset_id=nope");
        Assert.Equal(["categories", "splits", "tags", "sources"], facets.EnumerateObject().Select(p => p.Name));
        Assert.All(facets.EnumerateObject(), p => Assert.Equal(0, p.Value.GetArrayLength()));

        var missing = await data.GetAsync("/samples/filter-facets", HttpStatusCode.UnprocessableEntity);
        Assert.Equal("missing", missing.GetProperty("detail")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task BatchAnnotationsGroupBySampleInAnnotationOrder()
    {
        var batch = await data.GetAsync($"/samples/batch-annotations?dataset_id={data.DatasetId}&sample_ids=1,%2010%20,4,nope");
        var bySample = batch.GetProperty("annotations");
        Assert.Equal(["1", "10"], bySample.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(
            [("cat", "ground_truth"), ("dog", "ground_truth"), ("cat", "run_a")],
            bySample.GetProperty("1").EnumerateArray().Select(a => (a.GetProperty("category_name").GetString(), a.GetProperty("source").GetString())));
        Assert.Equal(["5", "6"], bySample.GetProperty("10").EnumerateArray().Select(a => a.GetProperty("id").GetString()));

        var dog = bySample.GetProperty("1")[1];
        Assert.Equal(
            ["id", "dataset_id", "sample_id", "category_name", "bbox_x", "bbox_y", "bbox_w", "bbox_h", "area", "is_crowd", "source", "confidence"],
            dog.EnumerateObject().Select(p => p.Name));
        Assert.Equal(data.DatasetId, dog.GetProperty("dataset_id").GetString());
        Assert.Equal("1", dog.GetProperty("sample_id").GetString());
        Assert.Equal([5d, 6d, 7d, 8d], new[] { "bbox_x", "bbox_y", "bbox_w", "bbox_h" }.Select(f => dog.GetProperty(f).GetDouble()));
        Assert.Equal(56d, dog.GetProperty("area").GetDouble());
        Assert.True(dog.GetProperty("is_crowd").GetBoolean());
        Assert.Equal(JsonValueKind.Null, dog.GetProperty("confidence").ValueKind);
    }

    [Fact]
    public async Task BatchAnnotationsFilterBySources()
    {
        var batch = await data.GetAsync($"/samples/batch-annotations?dataset_id={data.DatasetId}&sample_ids=1,5,10&sources=run_a");
        var bySample = batch.GetProperty("annotations");
        Assert.Equal(["1", "5"], bySample.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(0.9, bySample.GetProperty("5")[0].GetProperty("confidence").GetDouble());
        Assert.Equal("p2", Assert.Single(bySample.GetProperty("1").EnumerateArray()).GetProperty("id").GetString());

        var blank = await data.GetAsync($"/samples/batch-annotations?dataset_id={data.DatasetId}&sample_ids=1&sources=%20");
        Assert.Equal(3, blank.GetProperty("annotations").GetProperty("1").GetArrayLength());
    }

    [Fact]
    public async Task BatchAnnotationsLimitsAndEmptyLists()
    {
        var none = await data.GetAsync($"/samples/batch-annotations?dataset_id={data.DatasetId}&sample_ids=%20,");
        Assert.Empty(none.GetProperty("annotations").EnumerateObject());

        var ids = string.Join(",", Enumerable.Range(0, 200).Select(i => $"s{i}"));
        var atLimit = await data.GetAsync($"/samples/batch-annotations?dataset_id={data.DatasetId}&sample_ids={ids}");
        Assert.Empty(atLimit.GetProperty("annotations").EnumerateObject());
        var tooMany = await data.GetAsync($"/samples/batch-annotations?dataset_id={data.DatasetId}&sample_ids={ids},s200", HttpStatusCode.BadRequest);
        Assert.Equal("Maximum 200 sample_ids per batch request", tooMany.GetProperty("detail").GetString());

        var missing = await data.GetAsync("/samples/batch-annotations", HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["dataset_id", "sample_ids"], missing.GetProperty("detail").EnumerateArray().Select(i => i.GetProperty("loc")[1].GetString()));
    }

    [Fact]
    public async Task SampleAnnotationsAreABareArray()
    {
        var all = await data.GetAsync($"/samples/1/annotations?dataset_id={data.DatasetId}");
        Assert.Equal(["1", "2", "p2"], all.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        var truth = await data.GetAsync($"/samples/1/annotations?dataset_id={data.DatasetId}&sources=ground_truth,other");
        Assert.Equal(["1", "2"], truth.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        var empty = await data.GetAsync($"/samples/4/annotations?dataset_id={data.DatasetId}");
        Assert.Equal(JsonValueKind.Array, empty.ValueKind);
        Assert.Equal(0, empty.GetArrayLength());
    }

    [Fact]
    public async Task UnknownSampleIs404_DatasetIdIsRequired()
    {
        var unknown = await data.GetAsync($"/samples/nope/annotations?dataset_id={data.DatasetId}", HttpStatusCode.NotFound);
        Assert.Equal("Sample not found", unknown.GetProperty("detail").GetString());
        var otherDataset = await data.GetAsync("/samples/1/annotations?dataset_id=other", HttpStatusCode.NotFound);
        Assert.Equal("Sample not found", otherDataset.GetProperty("detail").GetString());
        var missing = await data.GetAsync("/samples/1/annotations", HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["query", "dataset_id"], missing.GetProperty("detail")[0].GetProperty("loc").EnumerateArray().Select(l => l.GetString()));
    }

    private static List<(string?, long)> Facets(JsonElement facets, string name) =>
        facets.GetProperty(name).EnumerateArray().Select(f => (f.GetProperty("name").GetString(), f.GetProperty("count").GetInt64())).ToList();
}
