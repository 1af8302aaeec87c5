using System.Data.Common;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Datasets;

/// <summary>Reads and deletes dataset records. A dataset row exists only once its ingest committed.</summary>
public sealed class DatasetStore(DuckDbDatabase database, RowUpdateGate gate)
{
    private const string Columns =
        "id, name, format, source_path, image_dir, image_count, annotation_count, category_count, prediction_count, dataset_type, created_at";

    public IReadOnlyList<Dataset> List()
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM datasets ORDER BY created_at DESC, id";
        using var reader = command.ExecuteReader();
        var datasets = new List<Dataset>();
        while (reader.Read())
        {
            datasets.Add(ReadDataset(reader));
        }

        return datasets;
    }

    public Dataset? Find(string datasetId)
    {
        using var connection = database.OpenConnection();
        return Find(connection, datasetId);
    }

    public static Dataset? Find(DuckDBConnection connection, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM datasets WHERE id = $id";
        command.Parameters.Add(new DuckDBParameter("id", datasetId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadDataset(reader) : null;
    }

    /// <summary>
    /// Removes every row of the dataset in one transaction; false when it does not exist. It takes the
    /// <see cref="RowUpdateGate"/> like every writer of shared rows: a tag update on the same samples would
    /// otherwise make one of the two transactions fail with a conflict.
    /// </summary>
    public async Task<bool> DeleteAsync(string datasetId, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        using var write = database.BeginWrite();
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        int removed;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM datasets WHERE id = $id";
            command.Parameters.Add(new DuckDBParameter("id", datasetId));
            removed = command.ExecuteNonQuery();
        }

        if (removed == 0)
        {
            transaction.Rollback();
            return false;
        }

        foreach (var table in DatasetTables)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"DELETE FROM {table} WHERE dataset_id = $id";
            command.Parameters.Add(new DuckDBParameter("id", datasetId));
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }

    /// <summary>Every table whose rows belong to one dataset (allow-list for the DELETE above).</summary>
    private static readonly string[] DatasetTables = ["categories", "samples", "annotations", "saved_views", "annotation_triage", "sample_categories", "annotation_counts", "embeddings", "embedding_active_models"];

    private static Dataset ReadDataset(DbDataReader reader) => new(
        Id: reader.GetString(0),
        Name: reader.GetString(1),
        Format: reader.GetString(2),
        SourcePath: reader.GetString(3),
        ImageDir: reader.GetString(4),
        ImageCount: reader.GetInt64(5),
        AnnotationCount: reader.GetInt64(6),
        CategoryCount: reader.GetInt64(7),
        PredictionCount: reader.GetInt64(8),
        DatasetType: reader.GetString(9),
        CreatedAt: DateTime.SpecifyKind(reader.GetDateTime(10), DateTimeKind.Utc));
}
