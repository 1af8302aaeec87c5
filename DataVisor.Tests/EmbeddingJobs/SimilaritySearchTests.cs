using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DataVisor.Tests.EmbeddingJobs;

/// <summary>R28 against a brute-force computation in the test (§6.11).</summary>
public sealed class SimilaritySearchTests
{
    [Fact]
    public async Task Search_equals_a_brute_force_exact_cosine_ranking()
    {
        const int dimension = 16;
        var random = new Random(7);
        var models = new ScriptedModelCatalog { Dimension = dimension };
        var images = new List<(string, SkiaSharp.SKBitmap?)>();
        var vectors = new Dictionary<string, float[]>();
        for (var index = 0; index < 40; index++)
        {
            var fileName = $"s{index:D2}.png";
            // Some exact duplicates so that ties (equal scores) are exercised.
            var vector = index % 10 == 9
                ? vectors[$"s{index - 1:D2}.png"]
                : [.. Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() - 0.5))];
            vectors[fileName] = vector;
            models.SetVector(fileName, vector);
            images.Add((fileName, EmbeddingJobTestBed.DrawGroupImage(index % 3, index % 4)));
        }

        using var bed = new EmbeddingJobTestBed(models);
        var datasetId = await bed.IngestAsync(images);
        Assert.Equal(HttpStatusCode.Accepted, (await bed.GenerateAsync(datasetId, new { model_name = "scripted" })).StatusCode);
        Assert.Equal("complete", (await bed.ReadProgressAsync(datasetId))[^1].Data.GetProperty("status").GetString());
        var ids = await bed.SampleIdsAsync(datasetId);
        var vectorById = ids.ToDictionary(pair => pair.Value, pair => vectors[pair.Key]);

        foreach (var queryFile in new[] { "s00.png", "s08.png", "s17.png", "s33.png" })
        {
            var query = ids[queryFile];
            var expected = vectorById
                .Where(pair => pair.Key != query)
                .Select(pair => (Id: pair.Key, Score: Cosine(vectorById[query], pair.Value)))
                .OrderByDescending(item => Math.Round(item.Score, 5))
                .ThenBy(item => item.Id, StringComparer.Ordinal)
                .Take(7)
                .ToList();
            var response = await bed.SearchAsync(datasetId, query, limit: 7);
            var actual = response.GetProperty("results").EnumerateArray()
                .Select(r => (Id: r.GetProperty("sample_id").GetString()!, Score: r.GetProperty("score").GetDouble()))
                .ToList();
            Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.Id));
            Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First.Score, pair.Second.Score, 5));
        }

        var defaultLimit = await bed.SearchAsync(datasetId, ids["s00.png"]);
        Assert.Equal(20, defaultLimit.GetProperty("results").GetArrayLength());
        var unknownSample = await bed.SearchAsync(datasetId, "no-such-sample");
        Assert.Empty(unknownSample.GetProperty("results").EnumerateArray());
        Assert.Equal("no-such-sample", unknownSample.GetProperty("query_sample_id").GetString());
    }

    [Fact]
    public async Task Limit_is_validated_with_contract_shaped_422()
    {
        using var bed = new EmbeddingJobTestBed(new ScriptedModelCatalog());
        var datasetId = await bed.IngestAsync([("a.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        foreach (var (limit, type) in new[] { ("0", "greater_than_equal"), ("101", "less_than_equal"), ("abc", "int_parsing") })
        {
            var response = await bed.Client.GetAsync($"/datasets/{datasetId}/similarity/search?sample_id=x&limit={limit}");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var issue = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail")[0];
            Assert.Equal(type, issue.GetProperty("type").GetString());
            Assert.Equal("limit", issue.GetProperty("loc")[1].GetString());
        }
    }

    private static double Cosine(float[] left, float[] right)
    {
        double dot = 0, leftNorm = 0, rightNorm = 0;
        for (var index = 0; index < left.Length; index++)
        {
            dot += left[index] * (double)right[index];
            leftNorm += left[index] * (double)left[index];
            rightNorm += right[index] * (double)right[index];
        }

        return leftNorm == 0 || rightNorm == 0 ? 0 : dot / (Math.Sqrt(leftNorm) * Math.Sqrt(rightNorm));
    }
}
