using System.Globalization;
using System.Numerics;
using DataVisor.Api.Hosting;

namespace DataVisor.Api.Samples;

/// <summary>
/// Parses query-string values the way the original's validation did, collecting contract-shaped 422
/// items (§1.3) instead of letting model binding answer with its own 400s.
/// </summary>
public sealed class QueryValues
{
    private readonly List<ValidationIssue> _issues = [];

    public IReadOnlyList<ValidationIssue> Issues => _issues;

    public bool IsValid => _issues.Count == 0;

    public string Required(string name, string? value)
    {
        if (value is null)
        {
            _issues.Add(new ValidationIssue("missing", ["query", name], "Field required", null));
            return "";
        }

        return value;
    }

    /// <summary>An integer within [min, max]; out-of-range values are reported, the default is returned.</summary>
    public long Integer(string name, string? value, long defaultValue, long min, long? max = null)
    {
        if (value is null)
        {
            return defaultValue;
        }

        if (!BigInteger.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            _issues.Add(new ValidationIssue("int_parsing", ["query", name],
                "Input should be a valid integer, unable to parse string as an integer", value));
            return defaultValue;
        }

        if (parsed < min)
        {
            _issues.Add(new ValidationIssue("greater_than_equal", ["query", name],
                $"Input should be greater than or equal to {min}", value));
            return defaultValue;
        }

        if (max is { } upper && parsed > upper)
        {
            _issues.Add(new ValidationIssue("less_than_equal", ["query", name],
                $"Input should be less than or equal to {upper}", value));
            return defaultValue;
        }

        // Offsets beyond any table simply give an empty page.
        return parsed > long.MaxValue ? long.MaxValue : (long)parsed;
    }

    /// <summary>One of <paramref name="allowed"/> (exact, case-sensitive).</summary>
    public string Literal(string name, string? value, string defaultValue, params string[] allowed)
    {
        if (value is null)
        {
            return defaultValue;
        }

        if (Array.IndexOf(allowed, value) >= 0)
        {
            return value;
        }

        var expected = string.Join(" or ", allowed.Select(a => $"'{a}'"));
        _issues.Add(new ValidationIssue("literal_error", ["query", name], $"Input should be {expected}", value,
            new Dictionary<string, string> { ["expected"] = expected }));
        return defaultValue;
    }

    /// <summary>
    /// A number within [min, max] (the §1.9 thresholds); the bounds print as Python floats (<c>1.0</c>,
    /// <c>0.1</c>) as in the original's messages. Out-of-range values are reported, the default is returned.
    /// </summary>
    public double Number(string name, string? value, double defaultValue, double min, double max)
    {
        if (value is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !double.IsFinite(parsed))
        {
            _issues.Add(new ValidationIssue("float_parsing", ["query", name],
                "Input should be a valid number, unable to parse string as a number", value));
            return defaultValue;
        }

        if (parsed < min || parsed > max)
        {
            _issues.Add(ValidationErrors.FloatOutOfRange("query", name, parsed, min, max, value));
            return defaultValue;
        }

        return parsed;
    }

    /// <summary>Comma-separated items, each trimmed, empty items dropped (duplicates count toward limits).</summary>
    public static List<string> CommaList(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Null for an absent or blank value, which every optional filter treats as "no filter".</summary>
    public static string? Optional(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
