namespace DataVisor.Api.AutoTagging;

/// <summary>
/// Called before each batch of samples is measured; the service's own does nothing. Tests substitute one
/// that waits, to hold a job at a batch boundary (the only place it can be cancelled).
/// </summary>
internal class AutoTagPacing
{
    public virtual ValueTask BeforeBatchAsync(int processed, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
