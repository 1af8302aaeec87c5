using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Reductions;

/// <summary>How an attempt to store a layout ended.</summary>
internal enum CoordinateWrite
{
    Saved,
    DatasetDeleted,
    EmbeddingsChanged,
}

/// <summary>
/// The x, y and reduction_method columns of the <c>embeddings</c> table (§2.7): written by a completed
/// reduction, read by R27. A generation clears them by replacing the rows (EmbeddingStore).
/// </summary>
internal sealed class CoordinateStore(DuckDbDatabase database, RowUpdateGate gate, EmbeddingStore embeddings)
{
    /// <summary>
    /// Replaces every coordinate of the model in one transaction. The layout is staged first so the row gate
    /// is held only for the set-based update. A generation publishes and bumps the embedding version under the
    /// same gate, so comparing the version inside the gate tells for certain whether the vectors this layout
    /// was computed from are still the stored ones.
    /// </summary>
    public async Task<CoordinateWrite> ReplaceAsync(
        string datasetId, string modelName, long embeddingVersion, IReadOnlyList<string> sampleIds, double[] layout, string method, CancellationToken cancellationToken)
    {
        using var connection = database.OpenConnection();
        Execute(connection, null, "CREATE OR REPLACE TEMP TABLE reduction_staging (sample_id VARCHAR NOT NULL, x DOUBLE NOT NULL, y DOUBLE NOT NULL)");
        using (var appender = connection.CreateAppender("reduction_staging"))
        {
            for (var row = 0; row < sampleIds.Count; row++)
            {
                appender.CreateRow().AppendValue(sampleIds[row]).AppendValue(layout[2 * row]).AppendValue(layout[2 * row + 1]).EndRow();
            }
        }

        using var turn = await gate.EnterAsync(cancellationToken);
        if (embeddings.Version(datasetId) != embeddingVersion)
        {
            return CoordinateWrite.EmbeddingsChanged;
        }

        using var write = database.BeginWrite();
        using var transaction = connection.BeginTransaction();
        if (Convert.ToInt64(Execute(connection, transaction, "SELECT count(*) FROM datasets WHERE id = $dataset", ("dataset", datasetId))) == 0)
        {
            transaction.Rollback();
            return CoordinateWrite.DatasetDeleted;
        }

        // The version check guarantees the staged ids are exactly the model's rows, so one update replaces all.
        Execute(
            connection,
            transaction,
            """
            UPDATE embeddings SET x = staged.x, y = staged.y, reduction_method = $method
            FROM reduction_staging staged
            WHERE embeddings.dataset_id = $dataset AND embeddings.model_name = $model AND embeddings.sample_id = staged.sample_id
            """,
            ("dataset", datasetId),
            ("model", modelName),
            ("method", method));
        transaction.Commit();
        return CoordinateWrite.Saved;
    }

    /// <summary>
    /// R27 in one query: the active model's reduced samples in ordinal order of id (DuckDB compares strings by
    /// their UTF-8 bytes, the contract's ordinal), each with its smallest ground-truth and prediction label
    /// from a single grouped pass over the dataset's annotations.
    /// </summary>
    public List<EmbeddingCoordinate> Load(string datasetId)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            WITH labels AS (
                SELECT sample_id,
                       min(category_name) FILTER (WHERE source = 'ground_truth') AS gt_label,
                       min(category_name) FILTER (WHERE source <> 'ground_truth') AS pred_label
                FROM annotations
                WHERE dataset_id = $dataset
                GROUP BY sample_id
            )
            SELECT e.sample_id, e.x, e.y, s.file_name, l.gt_label, l.pred_label
            FROM embedding_active_models a
            JOIN embeddings e ON e.dataset_id = a.dataset_id AND e.model_name = a.model_name
            JOIN samples s ON s.dataset_id = e.dataset_id AND s.id = e.sample_id
            LEFT JOIN labels l ON l.sample_id = e.sample_id
            WHERE a.dataset_id = $dataset AND e.x IS NOT NULL AND e.y IS NOT NULL
            ORDER BY e.sample_id
            """;
        command.Parameters.Add(new DuckDBParameter("dataset", datasetId));
        using var reader = command.ExecuteReader();
        var coordinates = new List<EmbeddingCoordinate>();
        while (reader.Read())
        {
            coordinates.Add(new EmbeddingCoordinate(
                reader.GetString(0),
                reader.GetDouble(1),
                reader.GetDouble(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return coordinates;
    }

    private static object? Execute(DuckDBConnection connection, DuckDBTransaction? transaction, string sql, params (string Name, string Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, value));
        }

        return command.ExecuteScalar();
    }
}
