namespace DataVisor.Api.Reductions;

/// <summary>
/// Called once the vectors are loaded, right before the reducer runs; the service's own does nothing. Tests
/// substitute one that waits, to hold a reduction in its <c>fitting</c> state deterministically.
/// </summary>
internal class ReductionPacing
{
    public virtual ValueTask BeforeFitAsync(string datasetId, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
