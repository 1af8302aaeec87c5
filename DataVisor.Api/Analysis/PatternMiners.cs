using DataVisor.Api.Evaluation;
using static DataVisor.Api.Analysis.FindingText;

namespace DataVisor.Api.Analysis;

/// <summary>
/// The built-in analyst's pattern detectors (contract §6.12). Each reports only past its documented support
/// and effect thresholds, so a dataset without a real effect yields nothing, and every sentence carries the
/// numbers it rests on.
/// </summary>
internal static class PatternMiners
{
    // Tag concentration: an error type needs ≥ 10 samples, the tag ≥ 5 of them, and lift ≥ 1.5 (half again
    // the tag's base rate); at most 3 tags per error type. Severity: lift 2.5 high, 2 medium.
    public const long TagMinTypeSamples = 10;
    public const long TagMinTaggedSamples = 5;
    public const double TagMinLift = 1.5;
    private const int TagsPerType = 3;

    // Weak classes: among classes with ≥ 10 GT, at least 3 of them; AP below half the median AP, or a miss rate
    // (1 − found/GT) at least max(3·MAD, 0.2) above the median miss rate.
    public const long ClassMinGroundTruth = 10;
    private const int ClassMinPeers = 3;
    private const double ApRatio = 0.5;
    private const double MissRateMadFactor = 3;
    private const double MissRateMinGap = 0.2;
    private const int WeakClassesReported = 5;

    // Label-error pairs: ≥ 10 label errors overall; an (unordered) pair with ≥ 5 of them and ≥ 25% share.
    public const long PairMinLabelErrors = 10;
    private const long PairMinCount = 5;
    private const double PairMinShare = 0.25;
    private const int PairsReported = 3;

    // Confidence: ≥ 20 TPs with ≥ 30% of them below 0.5; ≥ 10 hard FPs with ≥ 30% of them at ≥ 0.9.
    private const long ConfidenceMinTruePositives = 20;
    private const long ConfidenceMinHardFalsePositives = 10;
    private const double ConfidenceMinShare = 0.3;

    // Few GT: fewer than 20 boxes, or fewer than 5% of the mean per class.
    public const long FewGroundTruthBoxes = 20;
    private const double FewGroundTruthOfMean = 0.05;
    private const int FewClassesReported = 10;

    private static readonly HashSet<string> ImageConditionTags = new(StringComparer.Ordinal) { "dark", "dim", "bright", "blurry", "noisy" };

    public static IEnumerable<Finding> TagConcentration(AnalysisInput input)
    {
        var prevalence = input.TagPrevalence.ToDictionary(t => t.Tag, t => t.Samples, StringComparer.Ordinal);
        foreach (var type in input.TagsByType)
        {
            if (type.ErrorType is ErrorCategorizer.TruePositive or ErrorCategorizer.Correct || type.Samples < TagMinTypeSamples)
            {
                continue;
            }

            var candidates = type.Tags
                // Triage tags are the user's own verdicts on errors; that they sit on errors is no finding.
                .Where(t => !t.Tag.StartsWith("triage:", StringComparison.Ordinal) && t.Samples >= TagMinTaggedSamples)
                .Select(t => (Tag: t, Base: (double)prevalence[t.Tag] / input.SampleCount, Share: (double)t.Samples / type.Samples))
                .Where(t => t.Base < 1 && t.Share / t.Base >= TagMinLift)
                .OrderByDescending(t => t.Share / t.Base).ThenByDescending(t => t.Tag.Samples).ThenBy(t => t.Tag.Tag, OrdinalText.Comparer)
                .Take(TagsPerType);
            foreach (var (tag, baseShare, share) in candidates)
            {
                var lift = share / baseShare;
                var typeName = TypeName(type.ErrorType);
                var tagged = prevalence[tag.Tag];
                var severity = Severity.Of(lift, 2.5, 2.0, tag.Samples);
                var pattern = new ErrorPattern(
                    $"{Percent((double)tag.Entries / type.Entries)} of {typeName} occur on images tagged '{tag.Tag}', which are {Percent(baseShare)} of the images",
                    $"{tag.Entries} of {type.Entries} {typeName} are on images tagged '{tag.Tag}'; {tag.Samples} of the {type.Samples} images with {typeName} " +
                    $"carry the tag ({Percent(share)}) against {tagged} of {input.SampleCount} images overall ({Percent(baseShare)}), a lift of {Number(lift)}.",
                    severity,
                    []);
                var recommendations = new List<Recommendation>
                {
                    type.ErrorType switch
                    {
                        ErrorCategorizer.LabelError or ErrorCategorizer.Misclassified => new Recommendation(
                            $"Review the labels of images tagged '{tag.Tag}'",
                            $"{Percent(share)} of the images with {typeName} are tagged '{tag.Tag}', {Number(lift)}x their share of the dataset.",
                            severity, AnalysisVocabulary.Labeling),
                        ErrorCategorizer.HardFalsePositive => new Recommendation(
                            $"Add hard negatives like the images tagged '{tag.Tag}' to the training data",
                            $"{Percent(share)} of the images with hard false positives are tagged '{tag.Tag}', {Number(lift)}x their share of the dataset.",
                            severity, AnalysisVocabulary.DataCollection),
                        _ => new Recommendation(
                            $"Collect and label more training images like those tagged '{tag.Tag}'",
                            $"{Percent(share)} of the images with {typeName} are tagged '{tag.Tag}', {Number(lift)}x their share of the dataset.",
                            severity, AnalysisVocabulary.DataCollection),
                    },
                };
                if (ImageConditionTags.Contains(tag.Tag))
                {
                    recommendations.Add(new Recommendation(
                        $"Augment training images towards '{tag.Tag}' conditions (brightness, blur and noise jitter)",
                        $"The '{tag.Tag}' condition concentrates {typeName} (lift {Number(lift)}); augmentation covers it until more such images are collected.",
                        severity, AnalysisVocabulary.Augmentation));
                }

                yield return new Finding(0, pattern, recommendations);
            }
        }
    }

    public static IEnumerable<Finding> LabelErrorPairs(AnalysisInput input)
    {
        var total = input.LabelErrorPairs.Sum(p => p.Count);
        if (total < PairMinLabelErrors)
        {
            yield break;
        }

        var typeName = TypeName(input.IsClassification ? ErrorCategorizer.Misclassified : ErrorCategorizer.LabelError);
        var pairs = input.LabelErrorPairs
            .GroupBy(p => OrdinalText.Comparer.Compare(p.Actual, p.Predicted) <= 0 ? (p.Actual, p.Predicted) : (p.Predicted, p.Actual))
            .Select(g => (First: g.Key.Item1, Second: g.Key.Item2, Count: g.Sum(p => p.Count), Directions: g.ToList()))
            .Where(p => p.Count >= PairMinCount && (double)p.Count / total >= PairMinShare)
            .OrderByDescending(p => p.Count).ThenBy(p => p.First, OrdinalText.Comparer).ThenBy(p => p.Second, OrdinalText.Comparer)
            .Take(PairsReported);
        foreach (var (first, second, count, directions) in pairs)
        {
            var share = (double)count / total;
            var severity = Severity.Of(share, 0.5, 0.35, count);
            var detail = string.Join(", ", directions.Select(d => $"{d.Count} '{d.Actual}' predicted as '{d.Predicted}'"));
            var pattern = new ErrorPattern(
                $"'{first}' and '{second}' absorb {Percent(share)} of all {typeName}",
                $"{count} of {total} {typeName} are between '{first}' and '{second}' ({detail}).",
                severity,
                first == second ? [first] : [first, second]);
            yield return new Finding(1, pattern,
            [
                new Recommendation(
                    $"Audit the '{first}' and '{second}' annotations and write a labelling rule that separates the two classes",
                    $"{Percent(share)} of {typeName} ({count} of {total}) confuse these two classes; inconsistent labels teach the model the confusion.",
                    severity, AnalysisVocabulary.Labeling),
            ]);
        }
    }

    public static IEnumerable<Finding> WeakClasses(AnalysisInput input)
    {
        var peers = input.Classes.Where(c => c.GroundTruth >= ClassMinGroundTruth).ToList();
        if (peers.Count < ClassMinPeers)
        {
            yield break;
        }

        var missRates = peers.ToDictionary(c => c.Name, c => 1 - (double)c.Found / c.GroundTruth, StringComparer.Ordinal);
        var medianMiss = Median(missRates.Values);
        var mad = Median(missRates.Values.Select(r => Math.Abs(r - medianMiss)));
        var missGap = Math.Max(MissRateMadFactor * mad, MissRateMinGap);
        var aps = peers.Where(c => c.Ap.HasValue).Select(c => c.Ap!.Value).ToList();
        double? medianAp = aps.Count == peers.Count ? Median(aps) : null;
        var weak = peers
            .Select(c => (Class: c, Miss: missRates[c.Name],
                LowAp: medianAp > 0 && c.Ap < ApRatio * medianAp, HighMiss: missRates[c.Name] - medianMiss >= missGap))
            .Where(c => c.LowAp || c.HighMiss)
            .OrderByDescending(c => c.Miss).ThenBy(c => c.Class.Name, OrdinalText.Comparer)
            .Take(WeakClassesReported);
        foreach (var (cls, miss, lowAp, highMiss) in weak)
        {
            var unit = input.IsClassification ? "samples" : "ground-truth boxes";
            var apText = cls.Ap is { } ap && medianAp is { } median ? $"AP {Number(ap)} against a median of {Number(median)}; " : "";
            // Effect: how far below its peers the class sits, as a fraction of the peers' level.
            var effect = Math.Max(
                lowAp ? 1 - cls.Ap!.Value / medianAp!.Value : 0,
                highMiss ? miss - medianMiss : 0);
            var severity = Severity.Of(effect, 0.6, 0.4, cls.GroundTruth);
            var pattern = new ErrorPattern(
                $"Class '{cls.Name}' performs far below the others: {Percent(miss)} of its {unit} are missed or mislabelled (median {Percent(medianMiss)})",
                $"{apText}{cls.Found} of {cls.GroundTruth} {unit} found with the right label, over {peers.Count} classes with at least {ClassMinGroundTruth} {unit}.",
                severity,
                [cls.Name]);
            yield return new Finding(2, pattern,
            [
                new Recommendation(
                    $"Collect and label more varied examples of '{cls.Name}'",
                    $"'{cls.Name}' misses {Percent(miss)} of its {unit} while the median class misses {Percent(medianMiss)}.",
                    severity, AnalysisVocabulary.DataCollection),
            ]);
        }
    }

    public static IEnumerable<Finding> Confidence(AnalysisInput input)
    {
        var truePositives = input.Summary.TruePositives;
        var tpName = TypeName(input.IsClassification ? ErrorCategorizer.Correct : ErrorCategorizer.TruePositive);
        if (input.ConfThreshold < AnalysisInputBuilder.LowConfidence && truePositives >= ConfidenceMinTruePositives
            && (double)input.LowConfidenceTruePositives / truePositives is var lowShare && lowShare >= ConfidenceMinShare)
        {
            var severity = Severity.Of(lowShare, 0.6, 0.4, input.LowConfidenceTruePositives);
            var pattern = new ErrorPattern(
                $"{FindingText.Capitalised(tpName)} cluster at low confidence: {Percent(lowShare)} score below {Threshold(AnalysisInputBuilder.LowConfidence)}",
                $"{input.LowConfidenceTruePositives} of {truePositives} {tpName} have confidence in [{Threshold(input.ConfThreshold)}, {Threshold(AnalysisInputBuilder.LowConfidence)}); " +
                $"{input.Summary.FalseNegatives} {TypeName(input.IsClassification ? ErrorCategorizer.MissingPrediction : ErrorCategorizer.FalseNegative)} remain at threshold {Threshold(input.ConfThreshold)}.",
                severity,
                []);
            yield return new Finding(3, pattern,
            [
                new Recommendation(
                    $"Lower the confidence threshold below {Threshold(input.ConfThreshold)} or calibrate the model's scores, then re-check the false negatives",
                    $"{Percent(lowShare)} of {tpName} score below {Threshold(AnalysisInputBuilder.LowConfidence)}, so correct detections sit just above the cut and more lie below it.",
                    severity, AnalysisVocabulary.Hyperparameter),
            ]);
        }

        var hardFalsePositives = input.Summary.HardFalsePositives;
        if (hardFalsePositives >= ConfidenceMinHardFalsePositives
            && (double)input.HighConfidenceHardFalsePositives / hardFalsePositives is var highShare && highShare >= ConfidenceMinShare)
        {
            var top = input.HighConfidenceHardFalsePositiveClasses.Take(3).ToList();
            var severity = Severity.Of(highShare, 0.6, 0.4, input.HighConfidenceHardFalsePositives);
            var pattern = new ErrorPattern(
                $"{Percent(highShare)} of hard false positives have confidence of at least {Threshold(AnalysisInputBuilder.HighConfidence)}",
                $"{input.HighConfidenceHardFalsePositives} of {hardFalsePositives} hard false positives score ≥ {Threshold(AnalysisInputBuilder.HighConfidence)}; " +
                $"by class: {string.Join(", ", top.Select(c => $"'{c.Class}' {c.Count}"))}.",
                severity,
                [.. top.Select(c => c.Class)]);
            yield return new Finding(4, pattern,
            [
                new Recommendation(
                    $"Review the confident false positives of {Quoted(top.Select(c => c.Class))} for objects missing from the ground truth",
                    $"A model rarely scores ≥ {Threshold(AnalysisInputBuilder.HighConfidence)} on pure background; {input.HighConfidenceHardFalsePositives} such detections suggest unlabelled objects.",
                    severity, AnalysisVocabulary.Labeling),
            ]);
        }
    }

    public static IEnumerable<Finding> FewGroundTruth(AnalysisInput input)
    {
        var withGroundTruth = input.Classes.Where(c => c.GroundTruth > 0).ToList();
        if (withGroundTruth.Count == 0)
        {
            yield break;
        }

        var mean = withGroundTruth.Average(c => (double)c.GroundTruth);
        var few = input.Classes
            .Where(c => c.GroundTruth < FewGroundTruthBoxes || c.GroundTruth < FewGroundTruthOfMean * mean)
            .OrderBy(c => c.GroundTruth).ThenBy(c => c.Name, OrdinalText.Comparer)
            .Take(FewClassesReported)
            .ToList();
        if (few.Count == 0)
        {
            yield break;
        }

        var unit = input.IsClassification ? "samples" : "boxes";
        var smallest = few[0].GroundTruth;
        // Effect: how short the smallest class falls of the 20-box floor; support: how many classes are short.
        var severity = smallest < 5 ? AnalysisVocabulary.High : smallest < 10 ? AnalysisVocabulary.Medium : AnalysisVocabulary.Low;
        var list = string.Join(", ", few.Select(c => c.GroundTruth == 0 ? $"'{c.Name}' (0, predicted {c.Predictions} times)" : $"'{c.Name}' ({c.GroundTruth})"));
        var pattern = new ErrorPattern(
            $"{few.Count} {(few.Count == 1 ? "class has" : "classes have")} too few ground-truth {unit}: {list}",
            $"Ground-truth {unit} per class: mean {Number(mean)} over {withGroundTruth.Count} classes; a class with fewer than {FewGroundTruthBoxes} " +
            $"(or under {Percent(FewGroundTruthOfMean)} of the mean) gives unreliable metrics and little to learn from.",
            severity,
            [.. few.Select(c => c.Name)]);
        yield return new Finding(5, pattern,
        [
            new Recommendation(
                $"Collect and label more examples of {Quoted(few.Select(c => c.Name))} (at least {FewGroundTruthBoxes} each)",
                $"The smallest class has {smallest} ground-truth {unit} against a mean of {Number(mean)}.",
                severity, AnalysisVocabulary.DataCollection),
        ]);
    }

    public static IEnumerable<Finding> Leakage(AnalysisInput input)
    {
        if (input.Leakage is not { SkippedReason: null, Pairs: > 0 } leakage)
        {
            yield break;
        }

        var share = (double)leakage.Samples / Math.Max(1, leakage.VectorCount);
        var severity = Severity.Of(share, 0.05, 0.01, leakage.Pairs);
        var bySplits = string.Join(", ", leakage.SplitPairs.Select(p => $"{p.Splits} {p.Pairs}"));
        var pattern = new ErrorPattern(
            $"{leakage.Pairs} near-duplicate image {(leakage.Pairs == 1 ? "pair straddles" : "pairs straddle")} splits ({leakage.Samples} images, {Percent(share)} of the embedded images)",
            $"Cosine similarity ≥ {Threshold(leakage.Threshold)} between images of different splits over {leakage.VectorCount} embeddings; pairs by split: {bySplits}.",
            severity,
            []);
        yield return new Finding(6, pattern,
        [
            new Recommendation(
                "Re-split the dataset so that near-duplicate images stay in the same split",
                $"{leakage.Pairs} cross-split near-duplicate pairs let evaluation images leak into training, which inflates the metrics.",
                severity, AnalysisVocabulary.DataCollection),
        ]);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
