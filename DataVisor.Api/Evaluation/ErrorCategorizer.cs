namespace DataVisor.Api.Evaluation;

/// <summary>
/// One outcome of the error categorisation (§6.2 detection, §6.7 classification). <see cref="CategoryName"/>
/// is the class the outcome is counted under in R21's per_class; <see cref="ActualClass"/> and
/// <see cref="PredictedClass"/> name the R19/R20 matrix cell (null for a classification missing prediction,
/// which has no cell).
/// </summary>
public readonly record struct ErrorEntry(
    EvaluationSample Sample, string ErrorType, string CategoryName, double? Confidence, string? ActualClass, string? PredictedClass)
{
    public bool IsError => ErrorType is not (ErrorCategorizer.TruePositive or ErrorCategorizer.Correct);
}

/// <summary>
/// The single matching rule (D2) behind R19's matrix, R20, R21 and R44: entries in evaluation order, within
/// a sample predictions in prediction order, then false negatives in GT order.
/// </summary>
public static class ErrorCategorizer
{
    public const string TruePositive = "tp";
    public const string HardFalsePositive = "hard_fp";
    public const string LabelError = "label_error";
    public const string FalseNegative = "false_negative";
    public const string Correct = "correct";
    public const string Misclassified = "misclassified";
    public const string MissingPrediction = "missing_prediction";

    public static readonly string[] DetectionTypes = [TruePositive, HardFalsePositive, LabelError, FalseNegative];
    public static readonly string[] ClassificationTypes = [Correct, Misclassified, MissingPrediction];

    public static IEnumerable<ErrorEntry> Categorize(IReadOnlyList<EvaluationSample> samples, bool isClassification, double iouThreshold, double confThreshold) =>
        isClassification ? Classification(samples, confThreshold) : Detection(samples, iouThreshold, confThreshold);

    /// <summary>§6.2: greedy matching against the best GT of any class; no fallback to the second best.</summary>
    public static IEnumerable<ErrorEntry> Detection(IReadOnlyList<EvaluationSample> samples, double iouThreshold, double confThreshold)
    {
        var consumed = new List<bool>();
        foreach (var sample in samples)
        {
            var gt = sample.GroundTruth;
            consumed.Clear();
            consumed.AddRange(Enumerable.Repeat(false, gt.Count));
            foreach (var p in sample.Predictions)
            {
                if (p.EffectiveConfidence < confThreshold)
                {
                    continue;
                }

                var best = ArgmaxIou(p, gt);
                if (best >= 0 && !consumed[best] && EvaluationScope.Iou(p, gt[best]) >= iouThreshold)
                {
                    consumed[best] = true;
                    var actual = gt[best].CategoryName;
                    var type = actual == p.CategoryName ? TruePositive : LabelError;
                    yield return new ErrorEntry(sample, type, p.CategoryName, p.Confidence, actual, p.CategoryName);
                }
                else
                {
                    yield return new ErrorEntry(sample, HardFalsePositive, p.CategoryName, p.Confidence, DetectionEvaluator.Background, p.CategoryName);
                }
            }

            for (var g = 0; g < gt.Count; g++)
            {
                if (!consumed[g])
                {
                    yield return new ErrorEntry(sample, FalseNegative, gt[g].CategoryName, null, gt[g].CategoryName, DetectionEvaluator.Background);
                }
            }
        }
    }

    /// <summary>§6.7: one entry per sample with ground truth, judged by its top-1 passing prediction (D18).</summary>
    public static IEnumerable<ErrorEntry> Classification(IReadOnlyList<EvaluationSample> samples, double confThreshold)
    {
        foreach (var sample in samples)
        {
            if (sample.GroundTruth.Count == 0)
            {
                continue;
            }

            var truth = sample.GroundTruth.Select(g => g.CategoryName).Min(OrdinalText.Comparer)!;
            var top = TopPrediction(sample, confThreshold);
            if (top is not { } prediction)
            {
                yield return new ErrorEntry(sample, MissingPrediction, truth, null, null, null);
            }
            else
            {
                var type = prediction.CategoryName == truth ? Correct : Misclassified;
                yield return new ErrorEntry(sample, type, truth, prediction.Confidence, truth, prediction.CategoryName);
            }
        }
    }

    /// <summary>Predictions are in prediction order (confidence descending, stable), so the first passing one is top-1.</summary>
    public static EvaluationBox? TopPrediction(EvaluationSample sample, double confThreshold)
    {
        foreach (var p in sample.Predictions)
        {
            if (p.EffectiveConfidence >= confThreshold)
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>§6.1 argmax: the first maximal IoU over all GT; -1 when there is none.</summary>
    public static int ArgmaxIou(in EvaluationBox prediction, List<EvaluationBox> groundTruth)
    {
        var best = -1;
        var bestIou = double.NegativeInfinity;
        for (var g = 0; g < groundTruth.Count; g++)
        {
            var iou = EvaluationScope.Iou(prediction, groundTruth[g]);
            if (iou > bestIou)
            {
                bestIou = iou;
                best = g;
            }
        }

        return best;
    }
}
