namespace DataVisor.Api.Evaluation;

/// <summary>
/// R19 for detection datasets: the confusion matrix of the greedy matching (§6.2, §6.3), PR curves (§6.4),
/// the COCO mAP (§6.5, <see cref="CocoMapEvaluator"/>) and per-class precision/recall at the operating
/// point (§6.6). Samples arrive in evaluation order with predictions in prediction order.
/// </summary>
public static class DetectionEvaluator
{
    public const string Background = "background";
    public const string AllClasses = "all";
    private const int MaxCurvePoints = 200;

    public static DetectionEvaluation Evaluate(IReadOnlyList<EvaluationSample> samples, double iouThreshold, double confThreshold)
    {
        var (classes, classIndex) = Classes(samples);
        if (classes.Length == 0)
        {
            return new DetectionEvaluation("detection", [], new ApMetrics(0, 0, 0), [], [], [], iouThreshold, confThreshold);
        }

        var matrix = ConfusionMatrix(samples, classIndex, iouThreshold, confThreshold);
        var (curves, operatingPoints) = PrCurves(samples, classes, classIndex, iouThreshold, confThreshold);
        var map = CocoMap(samples, classes.Length, classIndex);
        var perClass = new DetectionClassMetrics[classes.Length];
        for (var k = 0; k < classes.Length; k++)
        {
            var ap = map.PerClass[k];
            perClass[k] = new DetectionClassMetrics(classes[k], ap.Ap50, ap.Ap75, ap.Ap50To95, operatingPoints[k].Precision, operatingPoints[k].Recall);
        }

        return new DetectionEvaluation(
            "detection", curves, new ApMetrics(map.Map50, map.Map75, map.Map50To95), perClass, matrix, [.. classes, Background],
            iouThreshold, confThreshold);
    }

    /// <summary>
    /// Only the §6.4 PR curves (the "all" curve first, then one per class), for callers that need the
    /// per-class AP at one IoU without the ten-threshold COCO mAP, which costs several times more.
    /// </summary>
    public static IReadOnlyList<PrCurve> PrCurves(IReadOnlyList<EvaluationSample> samples, double iouThreshold, double confThreshold)
    {
        var (classes, classIndex) = Classes(samples);
        return classes.Length == 0 ? [] : PrCurves(samples, classes, classIndex, iouThreshold, confThreshold).Curves;
    }

    /// <summary>Every class seen in GT or predictions, in ordinal order, and its index.</summary>
    private static (string[] Classes, Dictionary<string, int> Index) Classes(IReadOnlyList<EvaluationSample> samples) =>
        OrdinalText.DistinctSorted(samples.SelectMany(s => s.GroundTruth.Concat(s.Predictions)).Select(a => a.CategoryName));

    /// <summary>§6.2 and §6.3: rows actual, columns predicted, index N = background.</summary>
    private static long[][] ConfusionMatrix(IReadOnlyList<EvaluationSample> samples, Dictionary<string, int> classIndex, double iouThreshold, double confThreshold)
    {
        var n = classIndex.Count;
        var matrix = new long[n + 1][];
        for (var i = 0; i <= n; i++)
        {
            matrix[i] = new long[n + 1];
        }

        // The same entries R20 and R21 see (D2), so every cell drills down to exactly what it counts.
        foreach (var entry in ErrorCategorizer.Detection(samples, iouThreshold, confThreshold))
        {
            // By type, not by name: a class may itself be called "background".
            var row = entry.ErrorType == ErrorCategorizer.HardFalsePositive ? n : classIndex[entry.ActualClass!];
            var column = entry.ErrorType == ErrorCategorizer.FalseNegative ? n : classIndex[entry.PredictedClass!];
            matrix[row][column]++;
        }

        return matrix;
    }

    /// <summary>First maximal IoU over the GT list (optionally only one class); -1 when there is no candidate.</summary>
    private static int ArgmaxIou(in EvaluationBox prediction, List<EvaluationBox> groundTruth, string? onlyClass)
    {
        var best = -1;
        var bestIou = double.NegativeInfinity;
        for (var g = 0; g < groundTruth.Count; g++)
        {
            if (onlyClass is not null && groundTruth[g].CategoryName != onlyClass)
            {
                continue;
            }

            var iou = EvaluationScope.Iou(prediction, groundTruth[g]);
            if (iou > bestIou)
            {
                bestIou = iou;
                best = g;
            }
        }

        return best;
    }

    private readonly record struct PooledPrediction(int ClassIndex, double Confidence, bool IsTruePositive);

    /// <summary>§6.4 curves (the overall curve first) and §6.6's operating point per class.</summary>
    private static (List<PrCurve> Curves, (double Precision, double Recall)[] OperatingPoints) PrCurves(
        IReadOnlyList<EvaluationSample> samples, string[] classes, Dictionary<string, int> classIndex, double iouThreshold, double confThreshold)
    {
        var pooled = new List<PooledPrediction>();
        var groundTruthPerClass = new long[classes.Length];
        var consumed = new List<bool>();
        foreach (var sample in samples)
        {
            var gt = sample.GroundTruth;
            consumed.Clear();
            consumed.AddRange(Enumerable.Repeat(false, gt.Count));
            foreach (var g in gt)
            {
                groundTruthPerClass[classIndex[g.CategoryName]]++;
            }

            foreach (var p in sample.Predictions)
            {
                var best = ArgmaxIou(p, gt, p.CategoryName);
                var truePositive = best >= 0 && EvaluationScope.Iou(p, gt[best]) >= iouThreshold && !consumed[best];
                if (truePositive)
                {
                    consumed[best] = true;
                }

                pooled.Add(new PooledPrediction(classIndex[p.CategoryName], p.EffectiveConfidence, truePositive));
            }
        }

        // Stable: ties keep evaluation order, then prediction order.
        var sorted = pooled.OrderByDescending(p => p.Confidence).ToList();
        var curves = new List<PrCurve> { Curve(AllClasses, sorted, groundTruthPerClass.Sum()) };
        var operatingPoints = new (double, double)[classes.Length];
        for (var k = 0; k < classes.Length; k++)
        {
            var ofClass = sorted.Where(p => p.ClassIndex == k).ToList();
            curves.Add(Curve(classes[k], ofClass, groundTruthPerClass[k]));
            long tp = 0, fp = 0;
            foreach (var p in ofClass)
            {
                if (p.Confidence < confThreshold)
                {
                    continue;
                }

                if (p.IsTruePositive)
                {
                    tp++;
                }
                else
                {
                    fp++;
                }
            }

            operatingPoints[k] = (tp + fp == 0 ? 0 : (double)tp / (tp + fp), groundTruthPerClass[k] == 0 ? 0 : (double)tp / groundTruthPerClass[k]);
        }

        return (curves, operatingPoints);
    }

    private static PrCurve Curve(string name, List<PooledPrediction> predictions, long groundTruthCount)
    {
        var m = predictions.Count;
        if (m == 0 || groundTruthCount == 0)
        {
            return new PrCurve(name, [new PrPoint(0, 1, 1)], 0);
        }

        var points = new PrPoint[m];
        long tp = 0;
        for (var k = 0; k < m; k++)
        {
            if (predictions[k].IsTruePositive)
            {
                tp++;
            }

            points[k] = new PrPoint((double)tp / groundTruthCount, (double)tp / (k + 1), predictions[k].Confidence);
        }

        // Largest precision among points with recall ≥ r: a suffix maximum, read at the first such point.
        var suffixMax = new double[m];
        var running = 0.0;
        for (var k = m - 1; k >= 0; k--)
        {
            running = Math.Max(running, points[k].Precision);
            suffixMax[k] = running;
        }

        var sum = 0.0;
        var j = 0;
        foreach (var r in CocoMapEvaluator.RecallThresholds)
        {
            while (j < m && points[j].Recall < r)
            {
                j++;
            }

            if (j < m)
            {
                sum += suffixMax[j];
            }
        }

        var ap = sum / CocoMapEvaluator.RecallPointCount;
        if (m <= MaxCurvePoints)
        {
            return new PrCurve(name, points, ap);
        }

        var subsampled = new PrPoint[MaxCurvePoints];
        var step = (m - 1) / (double)(MaxCurvePoints - 1);
        for (var i = 0; i < MaxCurvePoints - 1; i++)
        {
            subsampled[i] = points[(int)(i * step)];
        }

        subsampled[MaxCurvePoints - 1] = points[m - 1];
        return new PrCurve(name, subsampled, ap);
    }

    private static CocoMapResult CocoMap(IReadOnlyList<EvaluationSample> samples, int classCount, Dictionary<string, int> classIndex)
    {
        var groundTruth = new List<MapGroundTruth>();
        var detections = new List<MapDetection>();
        for (var image = 0; image < samples.Count; image++)
        {
            foreach (var g in samples[image].GroundTruth)
            {
                groundTruth.Add(new MapGroundTruth(image, classIndex[g.CategoryName], g.X, g.Y, g.Width, g.Height, g.Area, g.IsCrowd, g.Sequence));
            }

            foreach (var p in samples[image].Predictions)
            {
                detections.Add(new MapDetection(image, classIndex[p.CategoryName], p.X, p.Y, p.Width, p.Height, p.EffectiveConfidence, p.Sequence));
            }
        }

        return CocoMapEvaluator.Evaluate(classCount, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(groundTruth), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(detections));
    }
}
