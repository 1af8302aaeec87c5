using System.Net;
using DataVisor.Tests.Editing;

namespace DataVisor.Tests.Analysis;

/// <summary>R32's 404s and 422s (contract §4.11, §1.3, §1.5) on the small COCO dataset.</summary>
public sealed class AnalyzeRequestTests : IDisposable
{
    private readonly EditingTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task UnknownDatasetAndSource_Answer404InOrder()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var noDataset = await _bed.SendAsync(HttpMethod.Post, "/datasets/00000000-0000-4000-8000-000000000000/analyze", """{"source": "nope"}""");
        Assert.Equal(HttpStatusCode.NotFound, noDataset.Status);
        Assert.Equal("""{"detail":"Dataset not found"}""", noDataset.Text);

        var noSource = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/analyze", """{"source": "nope"}""");
        Assert.Equal(HttpStatusCode.NotFound, noSource.Status);
        Assert.Equal("""{"detail":"No annotations found for source 'nope'"}""", noSource.Text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("null")]
    public async Task AbsentBodies_MeanTheDefaults(string? body)
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        // Without a content type and with the default source, which this dataset does not have.
        using var client = _bed.Bed.Api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/datasets/{datasetId}/analyze");
        if (body is not null)
        {
            request.Content = new StringContent(body);
            request.Content.Headers.ContentType = null;
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"detail":"No annotations found for source 'prediction'"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BadFields_Answer422InTheContractShape()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        async Task<string> Problem(string body)
        {
            var answer = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/analyze", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.Status);
            return answer.Text;
        }

        Assert.Equal(
            """{"detail":[{"type":"greater_than_equal","loc":["body","iou_threshold"],"msg":"Input should be greater than or equal to 0.1","input":0.05,"ctx":{"ge":"0.1"}}]}""",
            await Problem("""{"source": "ground_truth", "iou_threshold": 0.05}"""));
        Assert.Equal(
            """{"detail":[{"type":"less_than_equal","loc":["body","conf_threshold"],"msg":"Input should be less than or equal to 1.0","input":"1.5","ctx":{"le":"1.0"}}]}""",
            await Problem("""{"conf_threshold": "1.5"}"""));
        Assert.Equal(
            """{"detail":[{"type":"string_type","loc":["body","source"],"msg":"Input should be a valid string","input":5},{"type":"float_parsing","loc":["body","iou_threshold"],"msg":"Input should be a valid number, unable to parse string as a number","input":"high"}]}""",
            await Problem("""{"source": 5, "iou_threshold": "high"}"""));
        Assert.Contains("\"type\":\"float_type\"", await Problem("""{"conf_threshold": [0.3]}"""));
        Assert.Contains("\"type\":\"dict_type\"", await Problem("[1, 2]"));
        Assert.Contains("\"type\":\"json_invalid\"", await Problem("{\"source\": "));
        // Validation comes before the dataset lookup.
        var unknown = await _bed.SendAsync(HttpMethod.Post, "/datasets/unknown/analyze", """{"iou_threshold": 2}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.Status);
    }
}
