namespace DataVisor.Api.Storage;

/// <summary>
/// Ties the database to the host's lifetime: the schema exists before the server accepts requests, and
/// the database is checkpointed and closed after the server has stopped and the running work has been
/// cancelled (contract §8, graceful shutdown), so no write-ahead log outlives the process.
/// </summary>
public sealed class DatabaseLifetime(DuckDbDatabase database, IHostApplicationLifetime lifetime) : IHostedService
{
    /// <summary>How long in-flight writes may take to commit or roll back once shutdown has begun.</summary>
    public static readonly TimeSpan WriteGrace = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        using (var connection = database.OpenConnection())
        {
            DatabaseSchema.EnsureCreated(connection);
            Ingestion.UnpublishedAnnotations.DeleteLeftovers(connection);
        }

        // ApplicationStopped fires after every hosted service (the web server included) has stopped.
        lifetime.ApplicationStopped.Register(() => database.CheckpointAndClose(WriteGrace));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
