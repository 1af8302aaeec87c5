namespace DataVisor.Api.Storage;

/// <summary>
/// DuckDB aborts a transaction that updates or deletes a row which another open transaction has already
/// changed ("Conflict on update"). Small read-modify-write units that touch shared rows (sample tags,
/// dataset counters, saved views, annotation edits) take turns through this gate, so two requests on the
/// same sample queue behind each other instead of one of them answering 500. Each unit holds it for a
/// few set-based statements only.
/// </summary>
public sealed class RowUpdateGate
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task<Turn> EnterAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        return new Turn(_turn);
    }

    /// <summary>The caller's turn; dispose it once the transaction has committed or rolled back.</summary>
    public sealed class Turn : IDisposable
    {
        private SemaphoreSlim? _turn;

        internal Turn(SemaphoreSlim turn) => _turn = turn;

        public void Dispose() => Interlocked.Exchange(ref _turn, null)?.Release();
    }
}
