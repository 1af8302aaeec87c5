using DataVisor.Api.Ingestion;
using DataVisor.Tests.Infrastructure;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Ingestion;

/// <summary>Contract §5.1.1 and D4: an ingest becomes visible whole at its commit, or not at all.</summary>
public sealed class IngestAtomicityTests : IDisposable
{
    private const string File = """
        {"categories": [{"id": 1, "name": "a"}],
         "images": [{"id": 1, "file_name": "x.png", "width": 2, "height": 2}],
         "annotations": [{"id": 17, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]}
        """;

    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    /// <summary>The DuckDB behaviour bulk writes rely on: Appender rows belong to the connection's open transaction.</summary>
    [Fact]
    public void AppenderRowsRollBackWithTheirTransaction()
    {
        using var folder = new TempDirectory();
        using var connection = new DuckDBConnection($"Data Source={folder.Combine("t.duckdb")}");
        connection.Open();
        Execute(connection, "CREATE TABLE t (id VARCHAR, n BIGINT)");

        using (var transaction = connection.BeginTransaction())
        {
            using (var appender = connection.CreateAppender("t"))
            {
                for (var i = 0; i < 5000; i++)
                {
                    appender.CreateRow().AppendValue($"row{i}").AppendValue((long?)i).EndRow();
                }
            }

            Assert.Equal(5000L, Scalar(connection, "SELECT count(*) FROM t"));
            transaction.Rollback();
        }

        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task CancelledJustBeforeCommit_LeavesNothing()
    {
        var path = _bed.WriteFile("a.json", File);
        using var cancellation = new CancellationTokenSource();
        var sink = new RecordingSink(onEvent: e =>
        {
            // The last event before the commit: everything is staged and resolved by now.
            if (e.Stage == IngestStages.Thumbnails)
            {
                cancellation.Cancel();
            }

            return Task.CompletedTask;
        });

        var outcome = await RunAsync(path, sink, cancellation.Token);

        Assert.Equal(IngestOutcome.Cancelled, outcome);
        Assert.Equal(["categories", "parsing_images", "parsing_annotations", "thumbnails", "error"], sink.Events.Select(e => e.Stage));
        Assert.Equal(0, await _bed.CountDatasetsAsync());
        Assert.Equal(0, _bed.CountAllRows());
    }

    /// <summary>
    /// Ingest A has staged "17" when ingest B, started later, commits "17" first. A's publishing
    /// transaction must see B's commit, so A falls back to a UUID and ids stay unique (§2.10, §5.1.1).
    /// </summary>
    [Fact]
    public async Task OverlappingIngests_KeepAnnotationIdsUnique()
    {
        var path = _bed.WriteFile("a.json", File);
        var aStaged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bCommitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sinkA = new RecordingSink(onEvent: async e =>
        {
            if (e.Stage == IngestStages.Thumbnails)
            {
                aStaged.SetResult();
                await bCommitted.Task;
            }
        });

        var runA = RunAsync(path, sinkA, CancellationToken.None);
        await aStaged.Task;
        var outcomeB = await RunAsync(path, new RecordingSink(), CancellationToken.None);
        bCommitted.SetResult();
        var outcomeA = await runA;

        Assert.Equal((IngestOutcome.Completed, IngestOutcome.Completed), (outcomeA, outcomeB));
        var ids = _bed.Query("SELECT a.id, d.created_at FROM annotations a JOIN datasets d ON d.id = a.dataset_id ORDER BY d.created_at");
        Assert.Equal("17", ids[0][0]);
        Assert.Matches(CocoIngestTests.UuidV4(), (string)ids[1][0]!);
    }

    private async Task<IngestOutcome> RunAsync(string path, RecordingSink sink, CancellationToken cancellationToken)
    {
        var services = _bed.Api.Services;
        var (plan, rejection) = services.GetRequiredService<IngestPlanner>().Plan(new IngestRequest(path, _bed.ImageDir, null, null, null));
        Assert.Null(rejection);
        return await services.GetRequiredService<IngestService>().RunAsync(plan!, sink, cancellationToken);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal sealed class RecordingSink(Func<IngestEvent, Task>? onEvent = null) : IIngestEventSink
    {
        public List<IngestEvent> Events { get; } = [];

        public async Task SendAsync(IngestEvent ingestEvent, CancellationToken cancellationToken)
        {
            Events.Add(ingestEvent);
            if (onEvent is not null)
            {
                await onEvent(ingestEvent);
            }
        }

        public Task KeepAliveAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
