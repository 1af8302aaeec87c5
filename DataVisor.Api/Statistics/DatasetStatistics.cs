using System.Text;
using DataVisor.Api.Datasets;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Statistics;

public sealed record ClassCount(string CategoryName, long GtCount, long PredCount);

public sealed record SplitCount(string SplitName, long Count);

public sealed record StatisticsSummary(long TotalImages, long GtAnnotations, long PredAnnotations, long TotalCategories);

/// <summary>R18's response (contract §4.6).</summary>
public sealed record DatasetStatistics(
    IReadOnlyList<ClassCount> ClassDistribution,
    IReadOnlyList<SplitCount> SplitBreakdown,
    StatisticsSummary Summary);

/// <summary>
/// Computes R18 from the pre-aggregated per-(split, category, source) annotation counts maintained by
/// <see cref="Samples.BrowseIndex"/>, so that no request joins ten million annotations to their samples.
/// </summary>
public sealed class StatisticsReader(DuckDbDatabase database)
{
    private const string GroundTruth = "ground_truth";

    /// <summary>Null when the dataset does not exist.</summary>
    public DatasetStatistics? Read(string datasetId, string? split)
    {
        using var connection = database.OpenConnection();
        if (DatasetStore.Find(connection, datasetId) is not { } dataset)
        {
            return null;
        }

        var scope = split is null ? "" : "AND split = $split";
        var classes = new List<ClassCount>();
        using (var command = Command(connection, $"""
            SELECT category_name,
                   CAST(coalesce(sum(annotation_count) FILTER (WHERE source = '{GroundTruth}'), 0) AS BIGINT),
                   CAST(coalesce(sum(annotation_count) FILTER (WHERE source <> '{GroundTruth}'), 0) AS BIGINT)
            FROM annotation_counts WHERE dataset_id = $dataset_id {scope}
            GROUP BY category_name
            ORDER BY 2 DESC, category_name
            """, datasetId, split))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                classes.Add(new ClassCount(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        // The breakdown ignores the split parameter (contract §4.6).
        var splits = new List<SplitCount>();
        using (var command = Command(connection, """
            SELECT coalesce(split, 'unassigned') AS split_name, count(*) AS n FROM samples
            WHERE dataset_id = $dataset_id GROUP BY split ORDER BY n DESC, split_name
            """, datasetId, null))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                splits.Add(new SplitCount(reader.GetString(0), reader.GetInt64(1)));
            }
        }

        long totalImages;
        using (var command = Command(connection, $"SELECT count(*) FROM samples WHERE dataset_id = $dataset_id {scope}", datasetId, split))
        {
            totalImages = Convert.ToInt64(command.ExecuteScalar());
        }

        var gtRows = classes.Sum(c => c.GtCount);
        var summary = new StatisticsSummary(
            TotalImages: totalImages,
            GtAnnotations: dataset.DatasetType == "classification" ? CountLabelledSamples(connection, datasetId, split) : gtRows,
            PredAnnotations: classes.Sum(c => c.PredCount),
            TotalCategories: classes.Count);
        return new DatasetStatistics(classes, splits, summary);
    }

    /// <summary>Classification counts samples with a ground-truth label, not label rows (§4.6).</summary>
    private static long CountLabelledSamples(DuckDBConnection connection, string datasetId, string? split)
    {
        var sql = new StringBuilder($"""
            SELECT count(DISTINCT c.sample_id) FROM annotations c
            WHERE c.dataset_id = $dataset_id AND c.source = '{GroundTruth}'
            """);
        if (split is not null)
        {
            sql.Append(" AND c.sample_id IN (SELECT id FROM samples WHERE dataset_id = $dataset_id AND split = $split)");
        }

        using var command = Command(connection, sql.ToString(), datasetId, split);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private static DuckDBCommand Command(DuckDBConnection connection, string sql, string datasetId, string? split)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        if (split is not null)
        {
            command.Parameters.Add(new DuckDBParameter("split", split));
        }

        return command;
    }
}
