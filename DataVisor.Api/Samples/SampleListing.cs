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

/// <summary>The sort keys of R8; <see cref="Id"/> is the default and the fallback for unknown names.</summary>
public enum SortKey
{
    Id,
    FileName,
    Width,
    Height,
    Split,
}

/// <summary>
/// A listing order (contract §4.3): the key ascending or descending, ties by id in the same direction,
/// null splits last in both directions. Walked over the stored ranks (see
/// <see cref="BrowseIndex.ComputeSampleKeys"/> and <see cref="BrowseSnapshot.Walk"/>).
/// </summary>
public sealed record SampleOrder(SortKey Key, bool Descending)
{
    public static SampleOrder For(string sortBy, string sortDir)
    {
        var descending = sortDir == "desc";
        return sortBy switch
        {
            "file_name" => new(SortKey.FileName, descending),
            "width" => new(SortKey.Width, descending),
            "height" => new(SortKey.Height, descending),
            "split" => new(SortKey.Split, descending),
            "id" => new(SortKey.Id, descending),
            // Contract §4.3: an unknown sort_by silently means id ascending, whatever sort_dir says.
            _ => new(SortKey.Id, false),
        };
    }
}
