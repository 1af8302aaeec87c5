using DataVisor.Api.Datasets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Jobs;

/// <summary>The X routes' answer (contract §4.13).</summary>
public sealed record CancellationRequested(string Status, string Message);

/// <summary>X1-X4: one rule for every job kind; only the kind and its name in the 409 differ.</summary>
public static class JobCancellation
{
    /// <param name="jobName">How §4.13 names the job in the 409, e.g. <c>embedding generation</c>.</param>
    public static Results<Ok<CancellationRequested>, NotFound<ErrorDetail>, Conflict<ErrorDetail>> Cancel(
        string datasetId, string jobKind, string jobName, JobRegistry jobs, DatasetStore datasets)
    {
        if (datasets.Find(datasetId) is null)
        {
            return TypedResults.NotFound(new ErrorDetail("Dataset not found"));
        }

        return jobs.TryCancel(datasetId, jobKind)
            ? TypedResults.Ok(new CancellationRequested("cancelling", "Cancellation requested"))
            : TypedResults.Conflict(new ErrorDetail($"No {jobName} is running for this dataset"));
    }
}
