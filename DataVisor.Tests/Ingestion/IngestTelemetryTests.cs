using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Ingestion;

public sealed class IngestTelemetryTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task AnIngestIsOneSpanWithAChildPerStage_AndFeedsTheIngestMetrics()
    {
        var path = _bed.WriteFile("t.json", """
            {"categories": [{"id": 1, "name": "a"}],
             "images": [{"id": 1, "file_name": "x.png", "width": 2, "height": 2}, {"id": 2, "file_name": "y.png", "width": 2, "height": 2}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]}
            """);
        // Meters from IMeterFactory are scoped to their host: measurements of other tests' hosts are ignored.
        var meterFactory = _bed.Api.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Outcome)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meterFactory && instrument.Name.StartsWith("datavisor.ingest.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, null)));
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, tags.ToArray().FirstOrDefault(t => t.Key == "outcome").Value as string)));
        meters.Start();
        using var spans = new ActivityCollector();

        var datasetId = (await _bed.IngestAsync(path))[^1].GetProperty("dataset_id").GetString()!;

        var ingest = await spans.WaitForIngestAsync(datasetId, TimeSpan.FromSeconds(10));
        Assert.Equal("completed", ingest.GetTagItem("datavisor.ingest.outcome"));
        Assert.Equal("coco", ingest.GetTagItem("datavisor.ingest.format"));
        var children = spans.Stopped.Where(a => a.ParentSpanId == ingest.SpanId).ToDictionary(a => a.OperationName);
        Assert.Equal(["ingest.commit", "ingest.parse", "ingest.resolve", "ingest.thumbnails"], children.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2L, children["ingest.parse"].GetTagItem("datavisor.ingest.images"));
        Assert.Equal(1L, children["ingest.commit"].GetTagItem("datavisor.ingest.annotations"));

        Assert.Contains(("datavisor.ingest.samples", 2d, (string?)null), measurements);
        Assert.Contains(("datavisor.ingest.annotations", 1d, (string?)null), measurements);
        Assert.Single(measurements, m => m.Instrument == "datavisor.ingest.duration" && m.Outcome == "completed" && m.Value > 0);
    }
}
