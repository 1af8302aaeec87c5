using static DataVisor.Api.Analysis.FindingText;

namespace DataVisor.Api.Analysis;

/// <summary>
/// The offline analyst (contract §6.12, D27): deterministic pattern mining over the <see cref="AnalysisInput"/>.
/// Patterns are ordered by severity, then by kind, then as mined; recommendations follow their patterns'
/// order by priority, without repeats. The same input always gives the same report.
/// </summary>
public static class BuiltInAnalyst
{
    public static AnalysisReport Analyse(AnalysisInput input)
    {
        var findings = PatternMiners.TagConcentration(input)
            .Concat(PatternMiners.LabelErrorPairs(input))
            .Concat(PatternMiners.WeakClasses(input))
            .Concat(PatternMiners.Confidence(input))
            .Concat(PatternMiners.FewGroundTruth(input))
            .Concat(PatternMiners.Leakage(input))
            .Select((finding, index) => (Finding: finding, Index: index))
            .OrderBy(f => AnalysisVocabulary.Rank(f.Finding.Pattern.Severity))
            .ThenBy(f => f.Finding.Kind)
            .ThenBy(f => f.Index)
            .Select(f => f.Finding)
            .ToList();

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var recommendations = findings
            .SelectMany(f => f.Recommendations)
            .Where(r => seen.Add(r.Action))
            .Select((r, index) => (Recommendation: r, Index: index))
            .OrderBy(r => AnalysisVocabulary.Rank(r.Recommendation.Priority))
            .ThenBy(r => r.Index)
            .Select(r => r.Recommendation)
            .ToList();

        return new AnalysisReport([.. findings.Select(f => f.Pattern)], recommendations, Summary(input, findings));
    }

    private static string Summary(AnalysisInput input, List<Finding> findings)
    {
        var s = input.Summary;
        var counts = input.IsClassification
            ? $"{s.TruePositives} correct, {s.LabelErrors} misclassified, {s.FalseNegatives} without a prediction"
            : $"{Count(s.TruePositives, "true positive", "true positives")}, {Count(s.HardFalsePositives, "hard false positive", "hard false positives")}, " +
              $"{Count(s.LabelErrors, "label error", "label errors")}, {Count(s.FalseNegatives, "false negative", "false negatives")}";
        var headline = $"Analysed {input.SampleCount} images for source '{input.Source}' at IoU {Threshold(input.IouThreshold)} " +
                       $"and confidence {Threshold(input.ConfThreshold)}: {counts}.";
        if (findings.Count == 0)
        {
            return headline + " No significant error patterns found: no tag, class, label-confusion or confidence effect passed the support and effect-size thresholds.";
        }

        var high = findings.Count(f => f.Pattern.Severity == AnalysisVocabulary.High);
        return headline + $" Found {findings.Count} {(findings.Count == 1 ? "pattern" : "patterns")} ({high} high severity); " +
               $"the most severe: {findings[0].Pattern.Pattern}.";
    }
}
