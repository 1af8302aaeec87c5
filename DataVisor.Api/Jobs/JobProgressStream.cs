using System.Globalization;
using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Streaming;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Jobs;

/// <summary>
/// Dialect B (§1.7) for any job kind: 404 before streaming for an unknown dataset (D20); the current state
/// at once and then every 0.5 s; a ping comment every 15 s; the response ends after a terminal state, or
/// after a final <c>Dataset deleted</c> error when the dataset goes away.
/// </summary>
public static class JobProgressStream
{
    private static readonly TimeSpan Cadence = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(15);

    /// <summary>The progress route of every job kind: the dataset's latest <typeparamref name="TProgress"/>.</summary>
    public static async Task StreamAsync<TProgress>(HttpContext context, string datasetId)
        where TProgress : class, IJobProgress<TProgress>
    {
        var services = context.RequestServices;
        var registry = services.GetRequiredService<JobRegistry>();
        var deletedToken = registry.DatasetDeleted(datasetId);
        if (services.GetRequiredService<DatasetStore>().Find(datasetId) is null)
        {
            await ErrorResponses.WriteDetailAsync(context, StatusCodes.Status404NotFound, "Dataset not found");
            return;
        }

        var json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, registry.Stopping);
        var cancellationToken = ended.Token;
        try
        {
            var stream = await ProgressStream.StartAsync(context, json);
            var time = TimeProvider.System;
            var lastPing = time.GetTimestamp();
            using var timer = new PeriodicTimer(Cadence);
            while (true)
            {
                if (deletedToken.IsCancellationRequested)
                {
                    await stream.WriteProgressEventAsync(TProgress.DatasetDeleted, cancellationToken);
                    return;
                }

                var state = registry.Progress<TProgress>(datasetId, TProgress.JobKind) ?? TProgress.Idle;
                await stream.WriteProgressEventAsync(state, cancellationToken);
                if (state.IsTerminal)
                {
                    return;
                }

                if (time.GetElapsedTime(lastPing) >= PingInterval)
                {
                    var stamp = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
                    await stream.WriteCommentAsync($" ping - {stamp}", "\r\n", cancellationToken);
                    lastPing = time.GetTimestamp();
                }

                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left or the service is stopping: the job itself is unaffected.
        }
    }
}
