using DuckDB.NET.Data;

namespace DataVisor.Api.Samples;

/// <summary>
/// The derived rows that keep browsing fast at a million samples (docs/PERFORMANCE.md, issue 3):
/// dense sort ranks on <c>samples</c>, the category → sample membership in <c>sample_categories</c> and
/// per-(split, category, source) annotation counts in <c>annotation_counts</c>. All three are pure
/// functions of a dataset's samples and annotations; nothing here is ever the source of truth. Listing
/// reads them once into its in-memory <see cref="BrowseSnapshot"/> (ranks, then one category at a time).
/// </summary>
/// <remarks>
/// Every write that changes a dataset's annotations (ingest, prediction import or delete, annotation
/// create/edit/delete) MUST call <see cref="RefreshAnnotations"/> (or the per-sample pair) inside its own
/// transaction, before it commits; ingest also calls <see cref="ComputeSampleKeys"/> once after inserting
/// the samples. Sort ranks depend only on id, file_name, width, height and split, which never change
/// after ingest. Writes of annotations or of <c>samples.tags</c> (outside ingest) MUST also call
/// <see cref="BrowseCache.Invalidate"/> after they commit.
/// </remarks>
public static class BrowseIndex
{
    /// <summary>
    /// Numbers the dataset's samples 1…n once per sort key, in the listing order of contract §4.3: the key
    /// ascending (ordinal for strings), ties by id ascending. Descending pages read the same ranks
    /// backwards, which reverses the tie-break too, as the contract wants. Split is the exception (null
    /// last in both directions), so it has a second rank for the descending order. Also stores the
    /// lower-cased file name the search filter compares with. Run it after the samples are inserted and
    /// before <see cref="RefreshAnnotations"/>, which copies the ranks.
    /// </summary>
    public static void ComputeSampleKeys(DuckDBConnection connection, string datasetId)
    {
        Execute(connection, """
            UPDATE samples SET
                rank_id = r.rank_id, rank_file_name = r.rank_file_name, rank_width = r.rank_width,
                rank_height = r.rank_height, rank_split = r.rank_split, rank_split_desc = r.rank_split_desc,
                file_name_folded = lower(samples.file_name)
            FROM (
                SELECT id,
                       row_number() OVER (ORDER BY id) AS rank_id,
                       row_number() OVER (ORDER BY file_name, id) AS rank_file_name,
                       row_number() OVER (ORDER BY width, id) AS rank_width,
                       row_number() OVER (ORDER BY height, id) AS rank_height,
                       row_number() OVER (ORDER BY split ASC NULLS LAST, id ASC) AS rank_split,
                       row_number() OVER (ORDER BY split DESC NULLS LAST, id DESC) AS rank_split_desc
                FROM samples WHERE dataset_id = $dataset_id
            ) r
            WHERE samples.dataset_id = $dataset_id AND samples.id = r.id
            """, datasetId);
    }

    /// <summary>
    /// Rebuilds the dataset's category membership (one row per distinct category and sample: the sample's
    /// <c>rank_id</c>, which is its ordinal in the browse snapshot) and its per-(split, category, source)
    /// annotation counts, in two passes over the dataset's annotations (seconds at 10M rows on a busy
    /// 2-core machine), so call it once per write, not per annotation.
    /// </summary>
    public static void RefreshAnnotations(DuckDBConnection connection, string datasetId)
    {
        Execute(connection, "DELETE FROM sample_categories WHERE dataset_id = $dataset_id", datasetId);
        Execute(connection, "DELETE FROM annotation_counts WHERE dataset_id = $dataset_id", datasetId);
        // Both read the annotations directly: materialising a per-(sample, category, source) temp table
        // first cost one more ~1M-row write at 10 annotations per sample (refresh ~45 % slower).
        // Ordered by category so each category's rows sit together and row-group min/max pruning applies.
        // Only the rank is stored, unsorted: the snapshot orders and filters in memory and reads a category's
        // rows once per change. The split and sort-rank copies this table once carried, and the sort by
        // category that let a query prune row groups, were the ingest's memory peak (100K images / 1M
        // annotations at the 256MB limit: peak RSS 445-513 MB with them, 411-422 MB without; docs/PERFORMANCE.md).
        Execute(connection, """
            INSERT INTO sample_categories (dataset_id, category_name, rank_id)
            SELECT $dataset_id, m.category_name, s.rank_id
            FROM (SELECT DISTINCT category_name, sample_id FROM annotations WHERE dataset_id = $dataset_id) m
            JOIN samples s ON s.dataset_id = $dataset_id AND s.id = m.sample_id
            """, datasetId);
        Execute(connection, """
            INSERT INTO annotation_counts (dataset_id, split, category_name, source, annotation_count)
            SELECT $dataset_id, s.split, a.category_name, a.source, count(*)
            FROM annotations a JOIN samples s ON s.dataset_id = $dataset_id AND s.id = a.sample_id
            WHERE a.dataset_id = $dataset_id
            GROUP BY s.split, a.category_name, a.source
            """, datasetId);
    }

    /// <summary>
    /// For single-annotation edits (R38–R41), cheaper than <see cref="RefreshAnnotations"/>: call once per
    /// created (+1), deleted (-1) or re-labelled (-1 old, +1 new) annotation, then
    /// <see cref="RefreshSampleCategories"/> for the sample, inside the edit's transaction.
    /// </summary>
    public static void AdjustAnnotationCount(DuckDBConnection connection, string datasetId, string sampleId, string categoryName, string source, long delta)
    {
        var parameters = new Dictionary<string, object>
        {
            ["dataset_id"] = datasetId, ["sample_id"] = sampleId, ["category_name"] = categoryName, ["source"] = source, ["delta"] = delta,
        };
        Execute(connection, """
            UPDATE annotation_counts SET annotation_count = annotation_count + $delta
            WHERE dataset_id = $dataset_id AND category_name = $category_name AND source = $source
              AND split IS NOT DISTINCT FROM (SELECT split FROM samples WHERE dataset_id = $dataset_id AND id = $sample_id)
            """, parameters);
        Execute(connection, """
            INSERT INTO annotation_counts (dataset_id, split, category_name, source, annotation_count)
            SELECT $dataset_id, s.split, $category_name, $source, $delta
            FROM samples s
            WHERE s.dataset_id = $dataset_id AND s.id = $sample_id AND $delta > 0
              AND NOT EXISTS (SELECT 1 FROM annotation_counts c
                              WHERE c.dataset_id = $dataset_id AND c.category_name = $category_name
                                AND c.source = $source AND c.split IS NOT DISTINCT FROM s.split)
            """, parameters);
        Execute(connection, "DELETE FROM annotation_counts WHERE dataset_id = $dataset_id AND annotation_count <= 0", datasetId);
    }

    /// <summary>Recomputes one sample's category membership from its current annotations.</summary>
    public static void RefreshSampleCategories(DuckDBConnection connection, string datasetId, string sampleId)
    {
        var parameters = new Dictionary<string, object> { ["dataset_id"] = datasetId, ["sample_id"] = sampleId };
        Execute(connection, """
            DELETE FROM sample_categories
            WHERE dataset_id = $dataset_id
              AND rank_id = (SELECT rank_id FROM samples WHERE dataset_id = $dataset_id AND id = $sample_id)
            """, parameters);
        Execute(connection, """
            INSERT INTO sample_categories (dataset_id, category_name, rank_id)
            SELECT $dataset_id, m.category_name, s.rank_id
            FROM (SELECT DISTINCT category_name FROM annotations WHERE dataset_id = $dataset_id AND sample_id = $sample_id) m
            CROSS JOIN (SELECT rank_id FROM samples WHERE dataset_id = $dataset_id AND id = $sample_id) s
            """, parameters);
    }

    private static void Execute(DuckDBConnection connection, string sql, Dictionary<string, object> parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, value));
        }

        command.ExecuteNonQuery();
    }

    private static void Execute(DuckDBConnection connection, string sql, string datasetId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        command.ExecuteNonQuery();
    }
}
