using DuckDB.NET.Data;

namespace DataVisor.Api.Predictions;

/// <summary>
/// Connection-local TEMP tables that one import fills through Appenders while it reads the file. Nothing
/// is visible to anyone else until <see cref="PredictionRunStore"/> copies the matched rows in one
/// transaction, so a file that turns out to be invalid halfway leaves the stored run untouched.
/// </summary>
public sealed class PredictionStaging : IDisposable
{
    private const string Ddl = """
        CREATE OR REPLACE TEMP TABLE staged_predictions (
            seq BIGINT NOT NULL,
            match_key VARCHAR NOT NULL,
            category_id BIGINT,
            category_name VARCHAR,
            bbox_x DOUBLE NOT NULL,
            bbox_y DOUBLE NOT NULL,
            bbox_w DOUBLE NOT NULL,
            bbox_h DOUBLE NOT NULL,
            normalized BOOLEAN NOT NULL,
            confidence DOUBLE
        );
        CREATE OR REPLACE TEMP TABLE staged_prediction_files (
            file_index BIGINT NOT NULL,
            match_key VARCHAR NOT NULL
        );
        """;

    private readonly DuckDBConnection _connection;
    private DuckDBAppender? _predictions;
    private DuckDBAppender? _files;

    private PredictionStaging(DuckDBConnection connection) => _connection = connection;

    public static PredictionStaging Create(DuckDBConnection connection)
    {
        using (var command = connection.CreateCommand())
        {
            command.CommandText = Ddl;
            command.ExecuteNonQuery();
        }

        return new PredictionStaging(connection);
    }

    public void Append(in PredictionRow row)
    {
        _predictions ??= _connection.CreateAppender("staged_predictions");
        var appended = _predictions.CreateRow()
            .AppendValue(row.Sequence).AppendValue(row.MatchKey).AppendValue(row.CategoryId).AppendValue(row.CategoryName)
            .AppendValue(row.X).AppendValue(row.Y).AppendValue(row.Width).AppendValue(row.Height)
            .AppendValue(row.Normalized).AppendValue(row.Confidence);
        appended.EndRow();
    }

    /// <summary>A per-image file of the detection_annotation format, whose match decides <c>skipped_count</c>.</summary>
    public void AppendFile(long fileIndex, string matchKey)
    {
        _files ??= _connection.CreateAppender("staged_prediction_files");
        _files.CreateRow().AppendValue(fileIndex).AppendValue(matchKey).EndRow();
    }

    /// <summary>Flushes the appenders; SQL sees the staged rows only afterwards.</summary>
    public void CompleteAppends()
    {
        _predictions?.Dispose();
        _predictions = null;
        _files?.Dispose();
        _files = null;
    }

    public void Dispose() => CompleteAppends();
}
