namespace DataVisor.Api.NearDuplicates;

/// <summary>
/// Called before each block of rows is scanned; the service's own does nothing. Tests substitute one that
/// waits, to hold a detection at a block boundary (the only place it can be cancelled).
/// </summary>
internal class NearDuplicatePacing
{
    public virtual ValueTask BeforeBlockAsync(int scanned, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
