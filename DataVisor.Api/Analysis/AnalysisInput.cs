namespace DataVisor.Api.Analysis;

/// <summary>Ground-truth and prediction counts of one class, with the class's quality at the operating point.</summary>
/// <param name="Found">GT objects (or samples) of this class recovered with the right label.</param>
/// <param name="Ap">The class's PR-curve AP at the requested IoU (§6.4); null for classification or without GT.</param>
public sealed record ClassCounts(string Name, long GroundTruth, long Predictions, long Found, double? Ap);

/// <summary>Entries of one error type per confidence bucket of §6.12 (index 0 = [0, 0.3) … 4 = [0.9, 1.0]).</summary>
public sealed record ConfidenceHistogram(string ErrorType, long[] Buckets);

/// <summary>
/// One error type's footprint: its entries, the distinct samples that have one, and per tag how many of those
/// samples carry it and how many of the type's entries sit on them.
/// </summary>
public sealed record ErrorTypeTags(string ErrorType, long Entries, long Samples, IReadOnlyList<TagCount> Tags);

/// <summary><paramref name="Samples"/> samples carry the tag and hold <paramref name="Entries"/> entries.</summary>
public sealed record TagCount(string Tag, long Samples, long Entries);

/// <summary>Directed label errors: GT <paramref name="Actual"/> predicted as <paramref name="Predicted"/>.</summary>
public sealed record ConfusionPair(string Actual, string Predicted, long Count);

/// <summary>Cross-split near-duplicates found among the active embeddings (cosine ≥ <see cref="Threshold"/>).</summary>
/// <param name="Pairs">Pairs whose two samples are in different splits.</param>
/// <param name="Samples">Distinct samples in such pairs.</param>
/// <param name="SplitPairs">Pairs per split combination, e.g. <c>train/val</c>, ordinal.</param>
/// <param name="SkippedReason">Why the scan did not run (no embeddings, too many vectors); null when it ran.</param>
public sealed record SplitLeakage(double Threshold, long Pairs, long Samples, long VectorCount, IReadOnlyList<(string Splits, long Pairs)> SplitPairs, string? SkippedReason);

/// <summary>
/// Everything R32 analyses (contract §6.12), computed once with §6.2/§6.7 over the whole dataset, uncapped:
/// the model's prompt is rendered from it and the built-in analyst mines it. Lists are in deterministic order.
/// </summary>
public sealed record AnalysisInput(
    string DatasetId,
    string Source,
    double IouThreshold,
    double ConfThreshold,
    bool IsClassification,
    long SampleCount,
    Triage.ErrorSummary Summary,
    IReadOnlyList<ClassCounts> Classes,
    IReadOnlyList<ConfidenceHistogram> Histograms,
    IReadOnlyList<ErrorTypeTags> TagsByType,
    IReadOnlyList<TagCount> TagPrevalence,
    IReadOnlyList<ConfusionPair> LabelErrorPairs,
    long LowConfidenceTruePositives,
    long HighConfidenceHardFalsePositives,
    IReadOnlyList<(string Class, long Count)> HighConfidenceHardFalsePositiveClasses,
    SplitLeakage? Leakage)
{
    /// <summary>§6.12 buckets: [0, 0.3), [0.3, 0.5), [0.5, 0.7), [0.7, 0.9), [0.9, 1.0].</summary>
    public static readonly string[] BucketLabels = ["[0, 0.3)", "[0.3, 0.5)", "[0.5, 0.7)", "[0.7, 0.9)", "[0.9, 1.0]"];

    public static int Bucket(double confidence) => confidence switch
    {
        < 0.3 => 0,
        < 0.5 => 1,
        < 0.7 => 2,
        < 0.9 => 3,
        _ => 4,
    };
}
