namespace DataVisor.Api.Ingestion;

/// <summary>Where an ingest reports its events: the HTTP stream in production, a list in tests.</summary>
public interface IIngestEventSink
{
    Task SendAsync(IngestEvent ingestEvent, CancellationToken cancellationToken);

    /// <summary>A frame that carries no event, so that idle connections are not closed by proxies.</summary>
    Task KeepAliveAsync(CancellationToken cancellationToken);
}
