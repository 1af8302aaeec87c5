using System.Collections.Concurrent;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.EmbeddingJobs;

/// <summary>A sample to embed: its id and the image file on disk.</summary>
internal sealed record SampleImageFile(string SampleId, string Path);

/// <summary>The active model's vectors of one dataset, in ordinal order of sample id.</summary>
internal sealed record ActiveVectors(string ModelName, string[] SampleIds, string?[] FileNames, float[] Vectors, int Dimension);

/// <summary>
/// The <c>embeddings</c> and <c>embedding_active_models</c> tables. A generation appends into a TEMP staging
/// table on its own connection and publishes in one transaction (D10: a failed job leaves the old vectors).
/// <see cref="Version"/> changes whenever a dataset's vectors do, so caches can tell they are stale.
/// </summary>
internal sealed class EmbeddingStore(DuckDbDatabase database, RowUpdateGate gate)
{
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly DuckDbDatabase _database = database;
    private readonly RowUpdateGate _gate = gate;

    public long Version(string datasetId) => _versions.GetValueOrDefault(datasetId);

    /// <summary>Marks the dataset's vectors as changed (published or deleted).</summary>
    public void Invalidate(string datasetId) => _versions.AddOrUpdate(datasetId, 1, (_, version) => version + 1);

    public List<SampleImageFile> LoadSamples(string datasetId)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, image_dir, file_name FROM samples WHERE dataset_id = $dataset";
        command.Parameters.Add(new DuckDBParameter("dataset", datasetId));
        using var reader = command.ExecuteReader();
        var samples = new List<SampleImageFile>();
        while (reader.Read())
        {
            samples.Add(new SampleImageFile(reader.GetString(0), Path.Combine(reader.GetString(1), reader.GetString(2))));
        }

        // §6.10: ordinal order of id (DuckDB compares UTF-8 bytes, which differs for some code points).
        samples.Sort((left, right) => string.CompareOrdinal(left.SampleId, right.SampleId));
        return samples;
    }

    public Staging BeginStaging() => new(this);

    /// <summary>R24: the active model and how many vectors it has (null model and zeros when none).</summary>
    public (string? ModelName, long Count, bool HasReduction) Status(string datasetId)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT a.model_name, count(e.sample_id), count(e.x)
            FROM embedding_active_models a
            LEFT JOIN embeddings e ON e.dataset_id = a.dataset_id AND e.model_name = a.model_name
            WHERE a.dataset_id = $dataset
            GROUP BY a.model_name
            """;
        command.Parameters.Add(new DuckDBParameter("dataset", datasetId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2) > 0) : (null, 0, false);
    }

    /// <summary>Null when the dataset has no active model.</summary>
    public ActiveVectors? LoadActiveVectors(string datasetId)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT a.model_name, e.sample_id, s.file_name, e.vector
            FROM embedding_active_models a
            JOIN embeddings e ON e.dataset_id = a.dataset_id AND e.model_name = a.model_name
            LEFT JOIN samples s ON s.dataset_id = e.dataset_id AND s.id = e.sample_id
            WHERE a.dataset_id = $dataset
            """;
        command.Parameters.Add(new DuckDBParameter("dataset", datasetId));
        using var reader = command.ExecuteReader();
        string? model = null;
        var rows = new List<(string Id, string? FileName, List<float> Vector)>();
        while (reader.Read())
        {
            model ??= reader.GetString(0);
            rows.Add((reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<List<float>>(3)));
        }

        if (model is null)
        {
            return null;
        }

        rows.Sort((left, right) => string.CompareOrdinal(left.Id, right.Id));
        var dimension = rows.Count == 0 ? 0 : rows[0].Vector.Count;
        var vectors = new float[rows.Count * dimension];
        for (var row = 0; row < rows.Count; row++)
        {
            rows[row].Vector.CopyTo(vectors, row * dimension);
        }

        return new ActiveVectors(model, [.. rows.Select(row => row.Id)], [.. rows.Select(row => row.FileName)], vectors, dimension);
    }

    /// <summary>New vectors written aside on one connection until <see cref="PublishAsync"/>.</summary>
    internal sealed class Staging : IDisposable
    {
        private readonly EmbeddingStore _store;
        private readonly DuckDBConnection _connection;

        public Staging(EmbeddingStore store)
        {
            _store = store;
            _connection = store._database.OpenConnection();
            using var command = _connection.CreateCommand();
            command.CommandText = "CREATE OR REPLACE TEMP TABLE embedding_staging (sample_id VARCHAR NOT NULL, vector FLOAT[] NOT NULL)";
            command.ExecuteNonQuery();
        }

        public void Append(IReadOnlyList<string> sampleIds, float[] vectors, int dimension)
        {
            using var appender = _connection.CreateAppender("embedding_staging");
            for (var index = 0; index < sampleIds.Count; index++)
            {
                appender.CreateRow()
                    .AppendValue(sampleIds[index])
                    .AppendValue<float>(vectors.AsSpan(index * dimension, dimension).ToArray())
                    .EndRow();
            }
        }

        /// <summary>
        /// Replaces the model's vectors (and so its coordinates) and makes it the active model, in one
        /// transaction under the row-update gate. False when the dataset was deleted meanwhile.
        /// </summary>
        public async Task<bool> PublishAsync(string datasetId, string modelName, CancellationToken cancellationToken)
        {
            using var turn = await _store._gate.EnterAsync(cancellationToken);
            using var write = _store._database.BeginWrite();
            using var transaction = _connection.BeginTransaction();
            if (Convert.ToInt64(Scalar("SELECT count(*) FROM datasets WHERE id = $dataset", transaction, datasetId, modelName)) == 0)
            {
                transaction.Rollback();
                return false;
            }

            Scalar("DELETE FROM embeddings WHERE dataset_id = $dataset AND model_name = $model", transaction, datasetId, modelName);
            Scalar(
                "INSERT INTO embeddings (dataset_id, sample_id, model_name, vector) SELECT $dataset, sample_id, $model, vector FROM embedding_staging",
                transaction, datasetId, modelName);
            Scalar("DELETE FROM embedding_active_models WHERE dataset_id = $dataset", transaction, datasetId, modelName);
            Scalar("INSERT INTO embedding_active_models VALUES ($dataset, $model, now())", transaction, datasetId, modelName);
            transaction.Commit();
            _store.Invalidate(datasetId);
            return true;
        }

        public void Dispose() => _connection.Dispose();

        private object? Scalar(string sql, DuckDBTransaction transaction, string datasetId, string modelName)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            if (sql.Contains("$dataset", StringComparison.Ordinal))
            {
                command.Parameters.Add(new DuckDBParameter("dataset", datasetId));
            }

            if (sql.Contains("$model", StringComparison.Ordinal))
            {
                command.Parameters.Add(new DuckDBParameter("model", modelName));
            }

            return command.ExecuteScalar();
        }
    }
}
