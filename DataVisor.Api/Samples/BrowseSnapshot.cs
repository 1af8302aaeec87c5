using System.Collections.Concurrent;

namespace DataVisor.Api.Samples;

/// <summary>Which derived parts of a dataset's browse snapshot a committed write changed.</summary>
[Flags]
public enum BrowseParts
{
    /// <summary><c>samples.tags</c> of any sample.</summary>
    Tags = 1,

    /// <summary>Any annotation's existence, sample or <c>category_name</c>.</summary>
    Categories = 2,

    All = Tags | Categories,
}

/// <summary>What identifies one ingest of a dataset id: a delete and re-ingest under the same id changes it.</summary>
public sealed record DatasetStamp(DateTime CreatedAt, long ImageCount);

/// <summary>
/// One dataset's listing held in memory (issue 3). A sample's ordinal is <c>rank_id - 1</c>, its
/// position in ordinal id order. Each sort key has a permutation from rank − 1 to ordinal, read forwards
/// or backwards (split descending has its own, null splits last in both directions). The page's rows are
/// rendered from here too: DuckDB has no index to fetch 50 scattered rows of a million by key, and every
/// way of asking it (IN list, OR, UNION ALL of point queries) scanned the dataset (80–160 ms measured).
/// Ids, file names, sizes, ranks and split never change after ingest, so this base part lives until the
/// dataset's <see cref="DatasetStamp"/> changes; the tag and category memberships, which writes change,
/// are separate parts with their own generations (see <see cref="BrowseCache"/>).
/// </summary>
public sealed class BrowseSnapshot
{
    public required DatasetStamp Stamp { get; init; }

    public required int Count { get; init; }

    public required Utf8Column Ids { get; init; }

    /// <summary>
    /// Ordinals are ranks of id, so the ids ascend and sample_ids are found by binary search; checked at
    /// load, with DuckDB as the fallback should the stored ranks ever disagree.
    /// </summary>
    public required bool IdsAscend { get; init; }

    public required Utf8Column FileNames { get; init; }

    public required int[] Widths { get; init; }

    public required int[] Heights { get; init; }

    public required int[] ByFileName { get; init; }

    public required int[] ByWidth { get; init; }

    public required int[] ByHeight { get; init; }

    public required int[] BySplit { get; init; }

    public required int[] BySplitDescending { get; init; }

    /// <summary>Per ordinal: 0 for no split, else 1 + the index in <see cref="SplitNames"/>.</summary>
    public required byte[] SplitCodes { get; init; }

    /// <summary>Non-null split names in ordinal order, with their sample counts.</summary>
    public required IReadOnlyList<(string Name, long Count)> SplitNames { get; init; }

    private readonly ConcurrentDictionary<int[], int[]> _inverses = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<byte, ulong[]> _splitWords = new();

    /// <summary>Ordinal → rank − 1 for one of this snapshot's permutations, built when first needed.</summary>
    public int[] Inverse(int[] permutation) => _inverses.GetOrAdd(permutation, p =>
    {
        var inverse = new int[p.Length];
        for (var rank = 0; rank < p.Length; rank++)
        {
            inverse[p[rank]] = rank;
        }

        return inverse;
    });

    /// <summary>One bit per ordinal of the split's samples, built when first filtered on (splits never change).</summary>
    public ulong[] SplitWords(byte code) => _splitWords.GetOrAdd(code, c => MatchSet.SplitWords(SplitCodes, c));

    /// <summary>Ordinals of the listed ids that exist; unknown ids are ignored (R8).</summary>
    public List<int> FindIds(IReadOnlyList<string> ids)
    {
        var found = new List<int>(ids.Count);
        foreach (var id in ids)
        {
            if (Ids.Find(System.Text.Encoding.UTF8.GetBytes(id)) is var ordinal and >= 0)
            {
                found.Add(ordinal);
            }
        }

        return found;
    }

    private FileNameSearch? _search;

    /// <summary>The folded file names, loaded on the first search (they never change after ingest).</summary>
    public FileNameSearch Search(Func<FileNameSearch> load) =>
        LazyInitializer.EnsureInitialized(ref _search, load);

    /// <summary>Replaced whole when stale; null until first needed.</summary>
    internal volatile TagMembership? Tags;

    internal volatile CategoryMembership? Categories;

    /// <summary>Managed bytes held by the base part, for the benchmark's memory figure.</summary>
    public long BaseBytes => Count * (7L * sizeof(int) + 1) + Ids.Bytes + FileNames.Bytes
        + (_inverses.Count * (long)Count * sizeof(int)) + (_splitWords.Count * (Count + 63L) / 8) + (_search?.Bytes ?? 0);

    /// <summary>The sample at <paramref name="ordinal"/> as R8 lists it.</summary>
    public Sample Sample(string datasetId, int ordinal, TagMembership tags) => new(
        Id: Ids[ordinal],
        DatasetId: datasetId,
        FileName: FileNames[ordinal],
        Width: Widths[ordinal],
        Height: Heights[ordinal],
        ThumbnailPath: null,
        Split: SplitCodes[ordinal] == 0 ? null : SplitNames[SplitCodes[ordinal] - 1].Name,
        Tags: tags.OfSample(ordinal));

    /// <summary>The permutation a listing order walks, and whether it walks it backwards; null means ordinals in order.</summary>
    public (int[]? Permutation, bool Backwards) Walk(SampleOrder order) => order.Key switch
    {
        SortKey.FileName => (ByFileName, order.Descending),
        SortKey.Width => (ByWidth, order.Descending),
        SortKey.Height => (ByHeight, order.Descending),
        SortKey.Split => (order.Descending ? BySplitDescending : BySplit, false),
        _ => (null, order.Descending),
    };

    /// <summary>The code <see cref="SplitCodes"/> uses for a split name; null when no sample has it.</summary>
    public byte? SplitCode(string name)
    {
        for (var i = 0; i < SplitNames.Count; i++)
        {
            if (string.Equals(SplitNames[i].Name, name, StringComparison.Ordinal))
            {
                return (byte)(i + 1);
            }
        }

        return null;
    }
}

/// <summary>Strings stored as UTF-8 in one array (a million .NET strings would cost ~3x the memory), indexed by ordinal.</summary>
public sealed class Utf8Column(byte[] bytes, int[] starts, int[] lengths)
{
    public string this[int ordinal] => System.Text.Encoding.UTF8.GetString(bytes, starts[ordinal], lengths[ordinal]);

    public ReadOnlySpan<byte> Span(int ordinal) => bytes.AsSpan(starts[ordinal], lengths[ordinal]);

    /// <summary>True when the values ascend by ordinal in byte order, the order DuckDB sorts VARCHARs in.</summary>
    public bool Ascends()
    {
        for (var ordinal = 1; ordinal < starts.Length; ordinal++)
        {
            if (Span(ordinal - 1).SequenceCompareTo(Span(ordinal)) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The ordinal holding <paramref name="value"/> by binary search (the column must <see cref="Ascends"/>); −1 when absent.</summary>
    public int Find(ReadOnlySpan<byte> value)
    {
        var (low, high) = (0, starts.Length - 1);
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = Span(middle).SequenceCompareTo(value);
            if (order == 0)
            {
                return middle;
            }

            (low, high) = order < 0 ? (middle + 1, high) : (low, middle - 1);
        }

        return -1;
    }

    public long Bytes => bytes.Length + (starts.Length + lengths.Length) * (long)sizeof(int);
}

/// <summary>
/// Every tag's samples as ordinals (tags in ordinal order of name, as DuckDB sorted them), and every
/// sample's tags in stored order (§2.5) as indexes into that list: <c>SampleTags[SampleStarts[o] …
/// SampleStarts[o + 1]]</c>.
/// </summary>
public sealed class TagMembership(long generation, IReadOnlyList<(string Tag, int[] Ordinals)> inNameOrder, int[] sampleStarts, int[] sampleTags)
{
    private readonly Dictionary<string, int[]> _byTag = inNameOrder.ToDictionary(t => t.Tag, t => t.Ordinals, StringComparer.Ordinal);

    public long Generation => generation;

    public IReadOnlyList<(string Tag, int[] Ordinals)> InNameOrder => inNameOrder;

    public int[] Of(string tag) => _byTag.GetValueOrDefault(tag) ?? [];

    public IReadOnlyList<string> OfSample(int ordinal)
    {
        var (start, end) = (sampleStarts[ordinal], sampleStarts[ordinal + 1]);
        var tags = new string[end - start];
        for (var i = start; i < end; i++)
        {
            tags[i - start] = inNameOrder[sampleTags[i]].Tag;
        }

        return tags;
    }

    public long Bytes => (sampleStarts.Length + 2L * sampleTags.Length) * sizeof(int);
}

/// <summary>Category → ordinals of samples with ≥1 annotation of it, loaded one category at a time when first filtered on.</summary>
internal sealed record CategoryMembership(long Generation)
{
    public ConcurrentDictionary<string, int[]> Loaded { get; } = new(StringComparer.Ordinal);
}
