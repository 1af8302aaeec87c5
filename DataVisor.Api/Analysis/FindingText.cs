using System.Globalization;
using DataVisor.Api.Evaluation;

namespace DataVisor.Api.Analysis;

/// <summary>How the built-in analyst writes numbers and names, identically on every machine (invariant culture).</summary>
internal static class FindingText
{
    public static string Percent(double share) =>
        Math.Round(share * 100, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture) + "%";

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>"1 true positive", "2 true positives".</summary>
    public static string Count(long count, string singular, string plural) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? singular : plural)}";

    public static string Threshold(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    /// <summary>Plural noun phrase of an error type, as a sentence reads it.</summary>
    public static string TypeName(string errorType) => errorType switch
    {
        ErrorCategorizer.TruePositive => "true positives",
        ErrorCategorizer.HardFalsePositive => "hard false positives",
        ErrorCategorizer.LabelError => "label errors",
        ErrorCategorizer.FalseNegative => "false negatives",
        ErrorCategorizer.Correct => "correct predictions",
        ErrorCategorizer.Misclassified => "misclassifications",
        ErrorCategorizer.MissingPrediction => "missing predictions",
        _ => errorType,
    };

    public static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
