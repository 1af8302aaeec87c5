namespace DataVisor.Api.Analysis;

/// <summary>One mined pattern with the recommendations it motivates; <see cref="Kind"/> orders equal severities.</summary>
internal sealed record Finding(int Kind, ErrorPattern Pattern, IReadOnlyList<Recommendation> Recommendations);

/// <summary>
/// Severity (and the priority of the recommendations a finding motivates) from effect size and support:
/// <list type="table">
/// <item><term>high</term><description>effect ≥ the finding's high bar and support ≥ 20</description></item>
/// <item><term>medium</term><description>effect ≥ the finding's medium bar and support ≥ 10</description></item>
/// <item><term>low</term><description>otherwise (the finding still passed its own reporting thresholds)</description></item>
/// </list>
/// Support is the count behind the effect (tagged error samples, label errors of a pair, GT boxes of a class,
/// …); 10 and 20 are where a share stops moving by more than about ten points when one case changes.
/// </summary>
internal static class Severity
{
    public const long HighSupport = 20;
    public const long MediumSupport = 10;

    public static string Of(double effect, double highEffect, double mediumEffect, long support) =>
        effect >= highEffect && support >= HighSupport ? AnalysisVocabulary.High
        : effect >= mediumEffect && support >= MediumSupport ? AnalysisVocabulary.Medium
        : AnalysisVocabulary.Low;
}
