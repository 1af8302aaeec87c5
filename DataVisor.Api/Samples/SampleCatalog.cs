using System.Globalization;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Samples;

/// <summary>
/// Reads pages of samples (R8) and the filter facets (R9). Matching, ordering and the page's rows come
/// from the dataset's in-memory <see cref="BrowseSnapshot"/> (bitsets of matches walked along a sort's
/// permutation); DuckDB answers only the dataset's stamp and folds the search text. Plain
/// <c>ORDER BY … OFFSET</c> costs ~440 ms at 1M rows; see docs/PERFORMANCE.md.
/// </summary>
public sealed class SampleCatalog(DuckDbDatabase database, BrowseCache cache)
{
    public SamplePage List(SampleFilter filter, SampleOrder order, long offset, long limit)
    {
        using var connection = database.OpenConnection();
        if (cache.Snapshot(connection, filter.DatasetId) is not { } snapshot)
        {
            return new SamplePage([], 0, offset, limit);
        }

        var (permutation, backwards) = snapshot.Walk(order);
        List<int> ordinals;
        int total;
        if (filter.IsEmpty)
        {
            total = snapshot.Count;
            ordinals = [];
            // Written so that an offset near long.MaxValue (the parser's clamp) cannot overflow.
            for (var position = offset; position < total && position - offset < limit; position++)
            {
                var rank = (int)(backwards ? total - 1 - position : position);
                ordinals.Add(permutation is null ? rank : permutation[rank]);
            }
        }
        else
        {
            using var matches = Match(connection, snapshot, filter);
            total = matches.Cardinality();
            if (offset >= total)
            {
                ordinals = [];
            }
            else if (permutation is not null && MatchSet.WalkCostsMore(snapshot.Count, total, offset, (int)limit))
            {
                using var byRank = matches.ByRank(snapshot.Inverse(permutation));
                ordinals = byRank.Page(null, backwards, total, offset, (int)limit).ConvertAll(rank => permutation[rank]);
            }
            else
            {
                ordinals = matches.Page(permutation, backwards, total, offset, (int)limit);
            }
        }

        var tags = cache.Tags(connection, filter.DatasetId, snapshot);
        return new SamplePage([.. ordinals.Select(o => snapshot.Sample(filter.DatasetId, o, tags))], total, offset, limit);
    }

    /// <summary>The AND of every filter.</summary>
    private MatchSet Match(DuckDBConnection connection, BrowseSnapshot snapshot, SampleFilter filter)
    {
        var lists = new List<int[]>();
        if (filter.Category is not null)
        {
            lists.Add(cache.Category(connection, filter.DatasetId, snapshot, filter.Category));
        }

        if (filter.Tags.Count > 0)
        {
            var tags = cache.Tags(connection, filter.DatasetId, snapshot);
            lists.AddRange(filter.Tags.Select(tags.Of));
        }

        if (filter.Search is not null)
        {
            var names = snapshot.Search(() => FileNameSearch.Load(connection, filter.DatasetId, snapshot.Count));
            lists.Add([.. names.Find(FileNameSearch.Fold(connection, filter.Search))]);
        }

        if (filter.SampleIds.Count > 0)
        {
            lists.Add(snapshot.IdsAscend
                ? [.. snapshot.FindIds(filter.SampleIds)]
                : BrowseSnapshotLoader.FindIds(connection, filter.DatasetId, filter.SampleIds));
        }

        // A split no sample has matches nothing: all-zero words.
        var split = filter.Split is null ? null
            : snapshot.SplitCode(filter.Split) is { } code ? snapshot.SplitWords(code)
            : new ulong[(snapshot.Count + 63) / 64];
        if (lists.Count == 0)
        {
            return MatchSet.Of(snapshot.Count, split!);
        }

        lists.Sort((a, b) => a.Length.CompareTo(b.Length));
        var matches = MatchSet.Of(snapshot.Count, lists[0].AsSpan());
        foreach (var list in lists.Skip(1))
        {
            using var other = MatchSet.Of(snapshot.Count, list.AsSpan());
            matches.IntersectWith(other);
        }

        if (split is not null)
        {
            matches.IntersectWith(split);
        }

        return matches;
    }

    /// <summary>R9: splits and tags from the snapshot; categories and sources from the pre-aggregated counts.</summary>
    public FilterFacets Facets(string datasetId)
    {
        using var connection = database.OpenConnection();
        if (cache.Snapshot(connection, datasetId) is not { } snapshot)
        {
            return new FilterFacets([], [], [], []);
        }

        var tags = cache.Tags(connection, datasetId, snapshot);
        return new FilterFacets(
            Categories: ReadFacets(connection, """
                SELECT category_name, CAST(sum(annotation_count) AS BIGINT) FROM annotation_counts
                WHERE dataset_id = $dataset_id GROUP BY category_name ORDER BY 1
                """, datasetId),
            Splits: [.. snapshot.SplitNames.Select(s => new Facet(s.Name, s.Count))],
            Tags: [.. tags.InNameOrder.Select(t => new Facet(t.Tag, t.Ordinals.Length))],
            Sources: ReadFacets(connection, """
                SELECT source, CAST(sum(annotation_count) AS BIGINT) FROM annotation_counts
                WHERE dataset_id = $dataset_id GROUP BY source ORDER BY 1
                """, datasetId));
    }

    private static List<Facet> ReadFacets(DuckDBConnection connection, string sql, string datasetId)
    {
        using var command = connection.Prepare(sql, ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        var facets = new List<Facet>();
        while (reader.Read())
        {
            facets.Add(new Facet(reader.GetString(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)));
        }

        return facets;
    }
}
