using System.Data.Common;
using System.Text.Json;
using DataVisor.Api.Storage;

namespace DataVisor.Api.Views;

/// <summary>
/// Saved views (contract §2.6). <c>filters</c> is stored as the client's JSON text and never interpreted;
/// <c>creation_order</c> (a sequence) orders views created within the same microsecond.
/// </summary>
public sealed class SavedViewStore(DuckDbDatabase database, RowUpdateGate gate)
{
    /// <summary>R15. Null when the dataset does not exist.</summary>
    public async Task<SavedView?> CreateAsync(CreateViewRequest request, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        if (connection.Scalar("SELECT 1 FROM datasets WHERE id = $dataset_id", ("dataset_id", request.DatasetId)) is null)
        {
            transaction.Rollback();
            return null;
        }

        var id = Guid.NewGuid().ToString();
        // Stored at DuckDB's precision, so the response equals what R16 will read back.
        var createdAt = TruncateToMicroseconds(DateTime.UtcNow);
        connection.Execute(
            """
            INSERT INTO saved_views (id, dataset_id, name, filters, created_at, updated_at, creation_order)
            VALUES ($id, $dataset_id, $name, $filters, $created_at, $created_at, nextval('saved_views_creation_order'))
            """,
            ("id", id), ("dataset_id", request.DatasetId), ("name", request.Name), ("filters", request.FiltersJson), ("created_at", createdAt));
        transaction.Commit();
        return new SavedView(id, request.DatasetId, request.Name, ParseFilters(request.FiltersJson), createdAt, createdAt);
    }

    /// <summary>R16: the dataset's views, newest first; equal timestamps put the later creation first.</summary>
    public IReadOnlyList<SavedView> List(string datasetId)
    {
        using var connection = database.OpenConnection();
        using var command = connection.Prepare(
            """
            SELECT id, dataset_id, name, CAST(filters AS VARCHAR), created_at, updated_at
            FROM saved_views
            WHERE dataset_id = $dataset_id
            ORDER BY created_at DESC, creation_order DESC NULLS LAST, id
            """,
            ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        var views = new List<SavedView>();
        while (reader.Read())
        {
            views.Add(ReadView(reader));
        }

        return views;
    }

    /// <summary>R17: idempotent.</summary>
    public async Task DeleteAsync(string viewId, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        connection.Execute("DELETE FROM saved_views WHERE id = $id", ("id", viewId));
    }

    private static SavedView ReadView(DbDataReader reader) => new(
        Id: reader.GetString(0),
        DatasetId: reader.GetString(1),
        Name: reader.GetString(2),
        Filters: ParseFilters(reader.GetString(3)),
        CreatedAt: DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc),
        UpdatedAt: DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc));

    private static JsonElement ParseFilters(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static DateTime TruncateToMicroseconds(DateTime value) =>
        new(value.Ticks - value.Ticks % (TimeSpan.TicksPerMillisecond / 1000), DateTimeKind.Utc);
}
