using DuckDB.NET.Data;

namespace DataVisor.Api.Storage;

/// <summary>
/// The single owner of the service's DuckDB file. Every unit of work opens its own connection through
/// <see cref="OpenConnection"/>; connections to the same file share one database instance, which an anchor
/// connection keeps open for the life of the process. Writers take a <see cref="WriteLease"/> so that
/// shutdown can wait for in-flight writes before it checkpoints and closes the file.
/// </summary>
public sealed partial class DuckDbDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly ILogger<DuckDbDatabase> _logger;
    private readonly Lock _gate = new();
    private DuckDBConnection? _anchor;
    private int _activeWrites;
    private bool _closing;
    private TaskCompletionSource _writesDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="memoryLimit">DuckDB's <c>memory_limit</c> for the whole database instance (a validated size such as <c>256MB</c>); null keeps DuckDB's default.</param>
    public DuckDbDatabase(string databasePath, ILogger<DuckDbDatabase> logger, string? memoryLimit = null)
    {
        DatabasePath = databasePath;
        _logger = logger;
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        _connectionString = $"Data Source={databasePath}";
        _anchor = new DuckDBConnection(_connectionString);
        _anchor.Open();
        if (memoryLimit is not null)
        {
            // A global setting: every connection of this process shares the instance and its buffer pool.
            // SET takes no parameters; the value is validated by DataVisorOptionsReader.
            using var command = _anchor.CreateCommand();
            command.CommandText = $"SET memory_limit = '{memoryLimit}'";
            command.ExecuteNonQuery();
        }

        _writesDrained.SetResult();
    }

    public string DatabasePath { get; }

    /// <summary>True once shutdown has begun: no new write may start.</summary>
    public bool IsClosing
    {
        get { lock (_gate) { return _closing; } }
    }

    /// <summary>Opens a new connection for one unit of work. Never share it across threads.</summary>
    public DuckDBConnection OpenConnection()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_anchor is null, this);
        }

        var connection = new DuckDBConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Registers a write that shutdown must wait for. Throws once shutdown has begun.</summary>
    public WriteLease BeginWrite()
    {
        lock (_gate)
        {
            if (_closing || _anchor is null)
            {
                throw new OperationCanceledException("The service is shutting down.");
            }

            if (_activeWrites++ == 0)
            {
                _writesDrained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        return new WriteLease(this);
    }

    private void EndWrite()
    {
        lock (_gate)
        {
            if (--_activeWrites == 0)
            {
                _writesDrained.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Refuses new writes, waits (bounded) for in-flight ones, folds the write-ahead log into the file
    /// with <c>CHECKPOINT</c> and closes the database, so that a stopped container leaves no WAL behind.
    /// </summary>
    public void CheckpointAndClose(TimeSpan writeGrace)
    {
        Task drained;
        lock (_gate)
        {
            if (_anchor is null)
            {
                return;
            }

            _closing = true;
            drained = _writesDrained.Task;
        }

        if (!drained.Wait(writeGrace))
        {
            LogWritesStillRunning(_logger, writeGrace.TotalSeconds);
        }

        DuckDBConnection anchor;
        lock (_gate)
        {
            anchor = _anchor!;
            _anchor = null;
        }

        try
        {
            using (var command = anchor.CreateCommand())
            {
                command.CommandText = "CHECKPOINT";
                command.ExecuteNonQuery();
            }

            LogCheckpointed(_logger, DatabasePath);
        }
        catch (DuckDBException ex)
        {
            // A checkpoint can fail while another connection still holds a transaction; closing the last
            // connection checkpoints again, so this is logged rather than fatal.
            LogCheckpointFailed(_logger, ex);
        }
        finally
        {
            anchor.Dispose();
        }
    }

    public void Dispose() => CheckpointAndClose(TimeSpan.FromSeconds(5));

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpointed and closed {DatabasePath}")]
    private static partial void LogCheckpointed(ILogger logger, string databasePath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint at shutdown failed")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writes still running after {Seconds} s of shutdown grace; checkpointing anyway")]
    private static partial void LogWritesStillRunning(ILogger logger, double seconds);

    /// <summary>An in-flight write; dispose it when the write has committed or rolled back.</summary>
    public sealed class WriteLease : IDisposable
    {
        private DuckDbDatabase? _owner;

        internal WriteLease(DuckDbDatabase owner) => _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.EndWrite();
    }
}
