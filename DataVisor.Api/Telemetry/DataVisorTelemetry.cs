using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DataVisor.Api.Telemetry;

/// <summary>
/// The API's own traces and metrics. Both are named <c>DataVisor</c>, which ServiceDefaults subscribes
/// to, so ingest stages, jobs and evaluations appear in the Aspire dashboard.
/// </summary>
public sealed class DataVisorTelemetry : IDisposable
{
    public const string Name = Microsoft.Extensions.Hosting.Extensions.TelemetrySourceName;

    public static readonly ActivitySource ActivitySource = new(Name);

    public DataVisorTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        IngestedSamples = Meter.CreateCounter<long>("datavisor.ingest.samples", unit: "{sample}", description: "Samples committed by ingests.");
        IngestedAnnotations = Meter.CreateCounter<long>("datavisor.ingest.annotations", unit: "{annotation}", description: "Annotations committed by ingests.");
        IngestDuration = Meter.CreateHistogram<double>("datavisor.ingest.duration", unit: "s", description: "Wall time of ingests, by outcome.");
    }

    public Meter Meter { get; }

    public Counter<long> IngestedSamples { get; }

    public Counter<long> IngestedAnnotations { get; }

    public Histogram<double> IngestDuration { get; }

    public void Dispose() => Meter.Dispose();
}
