using System.Net;
using DataVisor.Tests.Editing;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Analysis;

/// <summary>Split leakage from the active embeddings, and the analysis span, on the small COCO dataset.</summary>
public sealed class LeakageAndTelemetryTests : IDisposable
{
    private readonly EditingTestBed _bed = new();
    private readonly ActivityCollector _spans = new();

    public void Dispose()
    {
        _spans.Dispose();
        _bed.Dispose();
    }

    [Fact]
    public async Task NearDuplicatesAcrossSplits_AreReported()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();
        // Image 1 (train) and image 2 (val) are near-duplicates (cosine 0.995); image 3 (val) is unlike both.
        _bed.Execute($"""
            UPDATE samples SET split = CASE id WHEN '1' THEN 'train' ELSE 'val' END WHERE dataset_id = '{datasetId}';
            INSERT INTO embeddings (dataset_id, sample_id, model_name, vector) VALUES
                ('{datasetId}', '1', 'planted', [1.0, 0.0, 0.0]::FLOAT[]),
                ('{datasetId}', '2', 'planted', [0.99, 0.1, 0.0]::FLOAT[]),
                ('{datasetId}', '3', 'planted', [0.0, 1.0, 0.0]::FLOAT[]);
            INSERT INTO embedding_active_models VALUES ('{datasetId}', 'planted', now());
            """);

        var answer = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/analyze", """{"source": "ground_truth"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var leak = Assert.Single(answer.Json.GetProperty("patterns").EnumerateArray(),
            p => p.GetProperty("pattern").GetString()!.Contains("near-duplicate", StringComparison.Ordinal));
        Assert.Equal("1 near-duplicate image pair straddles splits (2 images, 67% of the embedded images)", leak.GetProperty("pattern").GetString());
        Assert.Equal("Cosine similarity ≥ 0.95 between images of different splits over 3 embeddings; pairs by split: train/val 1.", leak.GetProperty("evidence").GetString());
        Assert.Equal("low", leak.GetProperty("severity").GetString());
        Assert.Contains(answer.Json.GetProperty("recommendations").EnumerateArray(),
            r => r.GetProperty("action").GetString() == "Re-split the dataset so that near-duplicate images stay in the same split");
    }

    [Fact]
    public async Task AnalysisIsASpan_WithTheAnalystAndItsCounts()
    {
        var datasetId = await _bed.IngestSmallCocoAsync();

        var answer = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/analyze", """{"source": "ground_truth", "iou_threshold": 0.6}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var span = Assert.Single(_spans.Stopped, a => a.OperationName == "analysis" && (string?)a.GetTagItem("datavisor.dataset_id") == datasetId);
        Assert.Equal("builtin", span.GetTagItem("datavisor.analysis.analyst"));
        Assert.Equal("ground_truth", span.GetTagItem("datavisor.evaluation.source"));
        Assert.Equal(0.6, span.GetTagItem("datavisor.evaluation.iou_threshold"));
        // The small dataset has 2 cat and 1 dog boxes: one "too few ground truth" pattern with one recommendation.
        Assert.Equal(1, span.GetTagItem("datavisor.analysis.patterns"));
        Assert.Equal(1, span.GetTagItem("datavisor.analysis.recommendations"));
        var pattern = answer.Json.GetProperty("patterns")[0];
        Assert.Equal("2 classes have too few ground-truth boxes: 'dog' (1), 'cat' (2)", pattern.GetProperty("pattern").GetString());
        Assert.Equal("high", pattern.GetProperty("severity").GetString());
    }
}
