namespace DataVisor.Api.Evaluation;

/// <summary>
/// Contract §0 "ordinal order": by UTF-8 bytes, which is Unicode code point order. UTF-16 ordinal
/// comparison differs from it only when a surrogate pair meets a character in U+E000…U+FFFF.
/// </summary>
public sealed class OrdinalText : IComparer<string>
{
    public static readonly OrdinalText Comparer = new();

    /// <summary>The distinct names in ordinal order, and each name's position in that order.</summary>
    public static (string[] Names, Dictionary<string, int> Index) DistinctSorted(IEnumerable<string> names)
    {
        var sorted = names.Distinct(StringComparer.Ordinal).Order(Comparer).ToArray();
        var index = new Dictionary<string, int>(sorted.Length, StringComparer.Ordinal);
        for (var i = 0; i < sorted.Length; i++)
        {
            index[sorted[i]] = i;
        }

        return (sorted, index);
    }

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a != b)
            {
                // Surrogates (D800–DFFF) encode code points above FFFF: they sort after E000–FFFF.
                var aHigh = char.IsSurrogate(a);
                var bHigh = char.IsSurrogate(b);
                if (aHigh != bHigh && (a >= '\uE000' || b >= '\uE000'))
                {
                    return aHigh ? 1 : -1;
                }

                return a.CompareTo(b);
            }
        }

        return x.Length.CompareTo(y.Length);
    }
}

/// <summary>§2.11 evaluation order of samples: all-digit source ids first by numeric value, then the rest
/// ordinally; ties by split (null first), then sample id.</summary>
public sealed class EvaluationOrder : IComparer<EvaluationSample>
{
    public static readonly EvaluationOrder Comparer = new();

    public int Compare(EvaluationSample? x, EvaluationSample? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var byId = CompareSourceIds(x.SourceImageId, y.SourceImageId);
        if (byId != 0)
        {
            return byId;
        }

        var bySplit = OrdinalText.Comparer.Compare(x.Split, y.Split);
        return bySplit != 0 ? bySplit : OrdinalText.Comparer.Compare(x.Id, y.Id);
    }

    private static int CompareSourceIds(string a, string b)
    {
        var aNumeric = IsDigits(a);
        var bNumeric = IsDigits(b);
        if (aNumeric != bNumeric)
        {
            return aNumeric ? -1 : 1;
        }

        if (!aNumeric)
        {
            return OrdinalText.Comparer.Compare(a, b);
        }

        // Numeric value of arbitrarily long digit strings: drop leading zeros, then longer is larger.
        var aDigits = a.AsSpan().TrimStart('0');
        var bDigits = b.AsSpan().TrimStart('0');
        return aDigits.Length != bDigits.Length ? aDigits.Length.CompareTo(bDigits.Length) : aDigits.SequenceCompareTo(bDigits);
    }

    private static bool IsDigits(string value) => value.Length > 0 && value.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;
}
