using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace DataVisor.Api.Samples;

/// <summary>
/// The samples matching a filter as one bit per ordinal (125 KB at 1M samples, pooled), combined with AND.
/// Finding a page walks a sort's permutation counting matches, from whichever end is nearer to the page:
/// at most ~n/2 bit tests (a few ms at 1M), never a sort.
/// </summary>
public sealed class MatchSet : IDisposable
{
    private readonly int _count;
    private ulong[]? _words;
    private readonly int _wordCount;

    private MatchSet(int count)
    {
        _count = count;
        _wordCount = (count + 63) >> 6;
        _words = ArrayPool<ulong>.Shared.Rent(Math.Max(1, _wordCount));
        Array.Clear(_words, 0, _wordCount);
    }

    private Span<ulong> Words => _words.AsSpan(0, _wordCount);

    /// <summary>The given ordinals; ones outside 0…count−1 (a racing write) are ignored.</summary>
    public static MatchSet Of(int count, ReadOnlySpan<int> ordinals)
    {
        var set = new MatchSet(count);
        var words = set.Words;
        foreach (var ordinal in ordinals)
        {
            if ((uint)ordinal < (uint)count)
            {
                words[ordinal >> 6] |= 1UL << ordinal;
            }
        }

        return set;
    }

    /// <summary>The ordinals whose split code is <paramref name="code"/>, as words to keep (<see cref="BrowseSnapshot.SplitWords"/>).</summary>
    public static ulong[] SplitWords(ReadOnlySpan<byte> splitCodes, byte code)
    {
        var words = new ulong[(splitCodes.Length + 63) >> 6];
        for (var ordinal = 0; ordinal < splitCodes.Length; ordinal++)
        {
            if (splitCodes[ordinal] == code)
            {
                words[ordinal >> 6] |= 1UL << ordinal;
            }
        }

        return words;
    }

    /// <summary>A copy of stored words (a split's samples).</summary>
    public static MatchSet Of(int count, ulong[] words)
    {
        var set = new MatchSet(count);
        words.AsSpan(0, set._wordCount).CopyTo(set.Words);
        return set;
    }

    /// <summary>
    /// The same matches indexed by rank instead of ordinal (<paramref name="inverse"/>: ordinal → rank − 1):
    /// O(matches + n/64), so a page deep inside a sparse filter is found by popcount instead of a walk.
    /// </summary>
    public MatchSet ByRank(int[] inverse)
    {
        var ranked = new MatchSet(_count);
        var words = Words;
        var rankWords = ranked.Words;
        for (var w = 0; w < words.Length; w++)
        {
            var bits = words[w];
            while (bits != 0)
            {
                var rank = inverse[(w << 6) + BitOperations.TrailingZeroCount(bits)];
                bits &= bits - 1;
                rankWords[rank >> 6] |= 1UL << rank;
            }
        }

        return ranked;
    }

    /// <summary>
    /// True when walking a permutation to the page would visit more ranks than <see cref="ByRank"/> visits
    /// matches: the walk expects n / total ranks per match it passes.
    /// </summary>
    public static bool WalkCostsMore(int count, int total, long offset, int limit)
    {
        var passed = Math.Min(offset, Math.Max(0, total - offset - limit)) + limit;
        return total > 0 && passed * ((double)count / total) > total + count / 64.0;
    }

    public void IntersectWith(MatchSet other) => IntersectWith(other.Words);

    public void IntersectWith(ReadOnlySpan<ulong> others)
    {
        var words = Words;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<ulong>.Count;
            for (; i <= words.Length - width; i += width)
            {
                (new Vector<ulong>(words[i..]) & new Vector<ulong>(others[i..])).CopyTo(words[i..]);
            }
        }

        for (; i < words.Length; i++)
        {
            words[i] &= others[i];
        }
    }

    public int Cardinality()
    {
        var total = 0;
        foreach (var word in Words)
        {
            total += BitOperations.PopCount(word);
        }

        return total;
    }

    /// <summary>
    /// The ordinals of listing positions <paramref name="offset"/> … offset+limit−1 among the matches, in
    /// listing order. The listing visits <paramref name="permutation"/> (rank − 1 → ordinal; null = identity)
    /// forwards, or backwards when <paramref name="backwards"/>.
    /// </summary>
    public List<int> Page(int[]? permutation, bool backwards, int total, long offset, int limit)
    {
        if (offset >= total)
        {
            return [];
        }

        var take = (int)Math.Min(limit, total - offset);
        // The same matches counted in ascending rank: indexes [first, first + take).
        var first = backwards ? total - (int)offset - take : (int)offset;
        var page = new List<int>(take);
        if (first <= total - (first + take))
        {
            CollectAscending(permutation, first, take, page);
        }
        else
        {
            CollectDescending(permutation, total - (first + take), take, page);
            page.Reverse();
        }

        if (backwards)
        {
            page.Reverse();
        }

        return page;
    }

    /// <summary>Skips <paramref name="skip"/> matches from the lowest rank up, then collects <paramref name="take"/>.</summary>
    private void CollectAscending(int[]? permutation, int skip, int take, List<int> page)
    {
        var words = Words;
        var rank = 0;
        if (permutation is null)
        {
            // Ordinal order: whole words of matches are skipped by their popcount.
            var w = 0;
            for (; w < words.Length; w++)
            {
                var bits = BitOperations.PopCount(words[w]);
                if (bits > skip)
                {
                    break;
                }

                skip -= bits;
            }

            rank = w << 6;
        }

        for (; rank < _count && page.Count < take; rank++)
        {
            var ordinal = permutation is null ? rank : permutation[rank];
            if (IsSet(words, ordinal) && skip-- <= 0)
            {
                page.Add(ordinal);
            }
        }
    }

    /// <summary>Like <see cref="CollectAscending"/> from the highest rank down.</summary>
    private void CollectDescending(int[]? permutation, int skip, int take, List<int> page)
    {
        var words = Words;
        var rank = _count - 1;
        if (permutation is null)
        {
            var w = words.Length - 1;
            for (; w >= 0; w--)
            {
                var bits = BitOperations.PopCount(words[w]);
                if (bits > skip)
                {
                    break;
                }

                skip -= bits;
            }

            rank = Math.Min(_count - 1, (w << 6) + 63);
        }

        for (; rank >= 0 && page.Count < take; rank--)
        {
            var ordinal = permutation is null ? rank : permutation[rank];
            if (IsSet(words, ordinal) && skip-- <= 0)
            {
                page.Add(ordinal);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSet(Span<ulong> words, int ordinal) => (words[ordinal >> 6] & (1UL << ordinal)) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _words, null) is { } words)
        {
            ArrayPool<ulong>.Shared.Return(words);
        }
    }
}
