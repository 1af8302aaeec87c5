using System.Threading.Channels;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Lets the parser and DuckDB's Appender run on the two cores at once: the parsing thread fills row
/// batches, one writer task appends them to the <see cref="IngestStaging"/> tables. Only the writer task
/// touches the connection while the pass runs. Batches are recycled through a pool of
/// <see cref="PooledBatches"/>, so memory stays at a few batches of rows whatever the file's size, and a
/// parser that outruns the appender waits for a free batch.
/// </summary>
/// <remarks>
/// Rows keep their order within each table (one writer, batches in order), and every row carries its own
/// position or sequence number anyway. A failing append ends the pass: the parser's next batch request
/// rethrows the writer's exception.
/// </remarks>
internal sealed class StagingPipeline : IAsyncDisposable
{
    private const int RowsPerBatch = 8192;
    private const int PooledBatches = 3;

    private readonly IngestStaging _staging;
    private readonly Channel<RowBatch> _filled = Channel.CreateUnbounded<RowBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<RowBatch> _free = Channel.CreateUnbounded<RowBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _writer;
    private RowBatch? _current;
    private volatile bool _abandoned;
    private bool _completed;

    public StagingPipeline(IngestStaging staging)
    {
        _staging = staging;
        for (var i = 0; i < PooledBatches; i++)
        {
            _free.Writer.TryWrite(new RowBatch());
        }

        _writer = Task.Run(WriteBatchesAsync);
    }

    public async ValueTask AddImageAsync(StagedImageRow image, CancellationToken cancellationToken)
    {
        var batch = await CurrentAsync(cancellationToken);
        batch.Images.Add(image);
        ShipIfFull(batch);
    }

    public ValueTask AddAnnotationAsync(in StagedAnnotationRow annotation, CancellationToken cancellationToken)
    {
        // The common case, a batch with room, without an async state machine per row (a million rows).
        if (_current is { } batch)
        {
            batch.Annotations.Add(annotation);
            ShipIfFull(batch);
            return ValueTask.CompletedTask;
        }

        return AddToNextBatchAsync(annotation, cancellationToken);
    }

    private async ValueTask AddToNextBatchAsync(StagedAnnotationRow annotation, CancellationToken cancellationToken)
    {
        var batch = await CurrentAsync(cancellationToken);
        batch.Annotations.Add(annotation);
        ShipIfFull(batch);
    }

    public async ValueTask AddCategoryAsync(StagedCategoryRow category, CancellationToken cancellationToken)
    {
        var batch = await CurrentAsync(cancellationToken);
        batch.Categories.Add(category);
        ShipIfFull(batch);
    }

    /// <summary>Ships the last batch and waits until every row is appended; rethrows the writer's failure.</summary>
    public async Task CompleteAsync()
    {
        _completed = true;
        if (_current is { } last)
        {
            _current = null;
            _filled.Writer.TryWrite(last);
        }

        _filled.Writer.TryComplete();
        await _writer;
    }

    /// <summary>On any exit: stops the writer (dropping rows not yet appended when the pass failed) before the connection is used again.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_completed)
        {
            return;
        }

        _abandoned = true;
        _filled.Writer.TryComplete();
        try
        {
            await _writer;
        }
        catch (Exception)
        {
            // The pass has already failed for another reason, which is the one to report.
        }
    }

    private async ValueTask<RowBatch> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_current is { } batch)
        {
            return batch;
        }

        try
        {
            return _current = await _free.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // The writer failed: surface its exception, not the channel's.
            await _writer;
            throw;
        }
    }

    private void ShipIfFull(RowBatch batch)
    {
        if (batch.Count >= RowsPerBatch)
        {
            _current = null;
            _filled.Writer.TryWrite(batch);
        }
    }

    private async Task WriteBatchesAsync()
    {
        try
        {
            await foreach (var batch in _filled.Reader.ReadAllAsync())
            {
                if (!_abandoned)
                {
                    Append(batch);
                }

                batch.Clear();
                _free.Writer.TryWrite(batch);
            }
        }
        catch (Exception ex)
        {
            _free.Writer.TryComplete(ex);
            throw;
        }
    }

    private void Append(RowBatch batch)
    {
        foreach (var c in batch.Categories)
        {
            _staging.AppendCategory(c.Part, c.Position, c.CategoryId, c.Name);
        }

        foreach (var i in batch.Images)
        {
            _staging.AppendImage(i.Part, i.Position, i.SourceImageId, i.SampleId, i.FileName, i.ImageDir, i.Split, i.Width, i.Height, i.Skipped);
        }

        foreach (var a in batch.Annotations)
        {
            _staging.AppendAnnotation(a);
        }
    }

    private sealed class RowBatch
    {
        public List<StagedCategoryRow> Categories { get; } = [];

        public List<StagedImageRow> Images { get; } = new(RowsPerBatch);

        public List<StagedAnnotationRow> Annotations { get; } = new(RowsPerBatch);

        public int Count => Categories.Count + Images.Count + Annotations.Count;

        public void Clear()
        {
            Categories.Clear();
            Images.Clear();
            Annotations.Clear();
        }
    }
}

internal readonly record struct StagedCategoryRow(int Part, long Position, long CategoryId, string Name);

internal readonly record struct StagedImageRow(
    int Part, long Position, string SourceImageId, string SampleId, string FileName, string ImageDir, string? Split, int Width, int Height, bool Skipped);

/// <summary>A COCO annotation as appended: its id (source id or a fresh UUID), its sample's id, its category id as a placeholder name.</summary>
public readonly record struct StagedAnnotationRow(CocoAnnotation Annotation, string Id, string SampleId, string CategoryPlaceholder, double Area);
