using System.Globalization;
using System.Net;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Evaluation;

/// <summary>Evaluations are spans in the trace, with their parameters as attributes.</summary>
public sealed class EvaluationTelemetryTests : IDisposable
{
    private readonly EditingTestBed _bed = new();
    private readonly ActivityCollector _spans = new();

    public void Dispose()
    {
        _spans.Dispose();
        _bed.Dispose();
    }

    [Theory]
    [InlineData("evaluation", "evaluation")]
    [InlineData("error-analysis", "evaluation.ErrorAnalysis")]
    [InlineData("worst-images", "evaluation.WorstImages")]
    public async Task EachEvaluationIsASpanCarryingItsParameters(string route, string spanName)
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var answer = await _bed.SendAsync(HttpMethod.Get, $"/datasets/{datasetId}/{route}?source=ground_truth&iou_threshold=0.6&conf_threshold=0.3");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var span = Assert.Single(_spans.Stopped, a => a.OperationName == spanName && (string?)a.GetTagItem("datavisor.dataset_id") == datasetId);
        Assert.Equal("ground_truth", span.GetTagItem("datavisor.evaluation.source"));
        Assert.Equal(0.6, Convert.ToDouble(span.GetTagItem("datavisor.evaluation.iou_threshold"), CultureInfo.InvariantCulture));
        Assert.Equal(0.3, Convert.ToDouble(span.GetTagItem("datavisor.evaluation.conf_threshold"), CultureInfo.InvariantCulture));
    }
}
