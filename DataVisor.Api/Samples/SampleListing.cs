namespace DataVisor.Api.Samples;

/// <summary>R8's filters after parsing; null or empty means "no filter".</summary>
public sealed record SampleFilter(
    string DatasetId,
    string? Category,
    string? Split,
    string? Search,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SampleIds)
{
    public bool IsEmpty => Category is null && Split is null && Search is null && Tags.Count == 0 && SampleIds.Count == 0;
}

/// <summary>
/// A listing order as a stored rank column read forwards or backwards (see
/// <see cref="BrowseIndex.ComputeSampleKeys"/>). <see cref="RankColumn"/> always comes from this allow-list.
/// </summary>
public sealed record SampleOrder(string RankColumn, bool Descending)
{
    public static SampleOrder For(string sortBy, string sortDir)
    {
        var descending = sortDir == "desc";
        return sortBy switch
        {
            "file_name" => new("rank_file_name", descending),
            "width" => new("rank_width", descending),
            "height" => new("rank_height", descending),
            // Null splits sort last in both directions, so descending has its own forward rank.
            "split" => descending ? new("rank_split_desc", false) : new("rank_split", false),
            "id" => new("rank_id", descending),
            // Contract §4.3: an unknown sort_by silently means id ascending, whatever sort_dir says.
            _ => new("rank_id", false),
        };
    }
}
