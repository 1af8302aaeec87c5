using System.Data.Common;
using System.Globalization;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Samples;

/// <summary>
/// Reads pages of samples (R8) and the filter facets (R9). Pages never sort the matching rows: every
/// listing order is a precomputed dense rank (1…n per dataset), so an unfiltered page is a rank range, and
/// a filtered page first counts matches per rank bucket, then sorts only the bucket(s) holding the page.
/// Plain <c>ORDER BY … OFFSET</c> costs ~440 ms at 1M rows; see docs/PERFORMANCE.md for what this costs.
/// </summary>
public sealed class SampleCatalog(DuckDbDatabase database)
{
    /// <summary>Ranks per bucket when locating a filtered page: ~250 buckets at 1M samples.</summary>
    private const long BucketSize = 4096;

    private const string SampleColumns = "s.id, s.dataset_id, s.file_name, s.width, s.height, s.split, s.tags";

    public SamplePage List(SampleFilter filter, SampleOrder order, long offset, long limit)
    {
        using var connection = database.OpenConnection();
        var (items, total) = filter.IsEmpty
            ? ListUnfiltered(connection, filter.DatasetId, order, offset, limit)
            : ListFiltered(connection, filter, order, offset, limit);
        return new SamplePage(items, total, offset, limit);
    }

    private static (List<Sample>, long) ListUnfiltered(DuckDBConnection connection, string datasetId, SampleOrder order, long offset, long limit)
    {
        // image_count holds after every mutation (contract §2.1, D7), and reading it costs no scan.
        var total = Scalar(connection, "SELECT coalesce(max(image_count), 0) FROM datasets WHERE id = $dataset_id", datasetId);
        if (offset >= total)
        {
            return ([], total);
        }

        // Page positions offset … offset+limit-1 are ranks offset+1 … forwards, or total-offset … backwards.
        var last = Math.Min(total, offset + limit);
        var (low, high) = order.Descending ? (total - last + 1, total - offset) : (offset + 1, last);
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {SampleColumns} FROM samples s
            WHERE s.dataset_id = $dataset_id AND s.{order.RankColumn} BETWEEN $low AND $high
            ORDER BY s.{order.RankColumn} {(order.Descending ? "DESC" : "ASC")}
            """;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        command.Parameters.Add(new DuckDBParameter("low", low));
        command.Parameters.Add(new DuckDBParameter("high", high));
        return (ReadSamples(command), total);
    }

    private static (List<Sample>, long) ListFiltered(DuckDBConnection connection, SampleFilter filter, SampleOrder order, long offset, long limit)
    {
        var rank = order.RankColumn;
        var buckets = new List<(long Bucket, long Count)>();
        using (var command = connection.CreateCommand())
        {
            // A category filter counts from the membership rows alone (they carry split and ranks); only
            // filters on mutable or wide sample columns reach back into samples.
            command.CommandText = filter.Category is null
                ? $"""
                    SELECT s.{rank} // {BucketSize} AS bucket, count(*) FROM samples s
                    WHERE {SampleConditions(filter, includeSplit: true)}
                    GROUP BY bucket
                    """
                : $"""
                    SELECT m.{rank} // {BucketSize} AS bucket, count(*) FROM sample_categories m
                    WHERE {MembershipConditions(filter)}
                      {(HasSampleOnlyFilters(filter) ? $"AND m.rank_id IN (SELECT s.rank_id FROM samples s WHERE {SampleConditions(filter, includeSplit: false)})" : "")}
                    GROUP BY bucket
                    """;
            AddFilterParameters(command, filter);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                buckets.Add((reader.GetInt64(0), reader.GetInt64(1)));
            }
        }

        buckets.Sort((a, b) => order.Descending ? b.Bucket.CompareTo(a.Bucket) : a.Bucket.CompareTo(b.Bucket));
        var total = buckets.Sum(b => b.Count);
        if (offset >= total)
        {
            return ([], total);
        }

        // Walk the buckets in page order to find the ones holding positions offset … offset+limit-1.
        long before = 0, skip = 0;
        long? first = null, lastBucket = null;
        foreach (var (bucket, count) in buckets)
        {
            if (first is null && before + count > offset)
            {
                first = bucket;
                skip = offset - before;
            }

            before += count;
            if (first is not null)
            {
                lastBucket = bucket;
                if (before >= offset + limit)
                {
                    break;
                }
            }
        }

        var (lowBucket, highBucket) = order.Descending ? (lastBucket!.Value, first!.Value) : (first!.Value, lastBucket!.Value);
        using var page = connection.CreateCommand();
        var categoryCondition = filter.Category is null ? "" : $"""
            AND s.{rank} IN (SELECT m.{rank} FROM sample_categories m
                             WHERE {MembershipConditions(filter)} AND m.{rank} BETWEEN $low AND $high)
            """;
        page.CommandText = $"""
            SELECT {SampleColumns} FROM samples s
            WHERE {SampleConditions(filter, includeSplit: true)} AND s.{rank} BETWEEN $low AND $high
              {categoryCondition}
            ORDER BY s.{rank} {(order.Descending ? "DESC" : "ASC")}
            LIMIT $limit OFFSET $skip
            """;
        AddFilterParameters(page, filter);
        page.Parameters.Add(new DuckDBParameter("low", lowBucket * BucketSize));
        page.Parameters.Add(new DuckDBParameter("high", (highBucket + 1) * BucketSize - 1));
        page.Parameters.Add(new DuckDBParameter("limit", limit));
        page.Parameters.Add(new DuckDBParameter("skip", skip));
        return (ReadSamples(page), total);
    }

    private static bool HasSampleOnlyFilters(SampleFilter filter) =>
        filter.Search is not null || filter.Tags.Count > 0 || filter.SampleIds.Count > 0;

    /// <summary>The category (and split) filter over <c>sample_categories m</c>.</summary>
    private static string MembershipConditions(SampleFilter filter) =>
        "m.dataset_id = $dataset_id AND m.category_name = $category" + (filter.Split is null ? "" : " AND m.split = $split");

    /// <summary>The AND of the sample-column filters over <c>samples s</c>; values are always parameters.</summary>
    private static string SampleConditions(SampleFilter filter, bool includeSplit)
    {
        var clauses = new List<string> { "s.dataset_id = $dataset_id" };
        if (includeSplit && filter.Split is not null)
        {
            clauses.Add("s.split = $split");
        }

        if (filter.Search is not null)
        {
            // A plain substring test, so % and _ are literal (D23); the folded name is stored at ingest.
            clauses.Add("contains(s.file_name_folded, lower($search))");
        }

        if (filter.Tags.Count > 0)
        {
            clauses.Add("list_has_all(s.tags, $tags)");
        }

        if (filter.SampleIds.Count > 0)
        {
            clauses.Add("s.id IN (SELECT unnest($sample_ids))");
        }

        return string.Join(" AND ", clauses);
    }

    private static void AddFilterParameters(DuckDBCommand command, SampleFilter filter)
    {
        command.Parameters.Add(new DuckDBParameter("dataset_id", filter.DatasetId));
        if (filter.Split is not null)
        {
            command.Parameters.Add(new DuckDBParameter("split", filter.Split));
        }

        if (filter.Search is not null)
        {
            command.Parameters.Add(new DuckDBParameter("search", filter.Search));
        }

        if (filter.Tags.Count > 0)
        {
            command.Parameters.Add(new DuckDBParameter("tags", filter.Tags.ToList()));
        }

        if (filter.SampleIds.Count > 0)
        {
            command.Parameters.Add(new DuckDBParameter("sample_ids", filter.SampleIds.ToList()));
        }

        if (filter.Category is not null)
        {
            command.Parameters.Add(new DuckDBParameter("category", filter.Category));
        }
    }

    /// <summary>R9: categories and sources from the pre-aggregated counts, splits and tags from samples.</summary>
    public FilterFacets Facets(string datasetId)
    {
        using var connection = database.OpenConnection();
        return new FilterFacets(
            Categories: ReadFacets(connection, """
                SELECT category_name, CAST(sum(annotation_count) AS BIGINT) FROM annotation_counts
                WHERE dataset_id = $dataset_id GROUP BY category_name ORDER BY 1
                """, datasetId),
            Splits: ReadFacets(connection, """
                SELECT split, count(*) FROM samples
                WHERE dataset_id = $dataset_id AND split IS NOT NULL GROUP BY split ORDER BY 1
                """, datasetId),
            Tags: ReadFacets(connection, """
                SELECT tag, count(*) FROM (SELECT unnest(tags) AS tag FROM samples WHERE dataset_id = $dataset_id)
                GROUP BY tag ORDER BY 1
                """, datasetId),
            Sources: ReadFacets(connection, """
                SELECT source, CAST(sum(annotation_count) AS BIGINT) FROM annotation_counts
                WHERE dataset_id = $dataset_id GROUP BY source ORDER BY 1
                """, datasetId));
    }

    private static List<Facet> ReadFacets(DuckDBConnection connection, string sql, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        var facets = new List<Facet>();
        while (reader.Read())
        {
            facets.Add(new Facet(reader.GetString(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)));
        }

        return facets;
    }

    private static List<Sample> ReadSamples(DuckDBCommand command)
    {
        using var reader = command.ExecuteReader();
        var samples = new List<Sample>();
        while (reader.Read())
        {
            samples.Add(ReadSample(reader));
        }

        return samples;
    }

    private static Sample ReadSample(DbDataReader reader) => new(
        Id: reader.GetString(0),
        DatasetId: reader.GetString(1),
        FileName: reader.GetString(2),
        Width: reader.GetInt32(3),
        Height: reader.GetInt32(4),
        ThumbnailPath: null,
        Split: reader.IsDBNull(5) ? null : reader.GetString(5),
        Tags: reader.IsDBNull(6) ? [] : reader.GetFieldValue<List<string>>(6));

    private static long Scalar(DuckDBConnection connection, string sql, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
