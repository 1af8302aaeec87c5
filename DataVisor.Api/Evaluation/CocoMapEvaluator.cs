namespace DataVisor.Api.Evaluation;

/// <summary>One ground-truth box for the mAP (contract §6.5). <paramref name="ImageIndex"/> is the
/// sample's position in evaluation order (§2.11); <paramref name="Sequence"/> its annotation order.</summary>
public readonly record struct MapGroundTruth(
    int ImageIndex, int ClassIndex, double X, double Y, double Width, double Height, double Area, bool IsCrowd, long Sequence);

/// <summary>One prediction for the mAP; <paramref name="Score"/> is the effective confidence c(p).</summary>
public readonly record struct MapDetection(
    int ImageIndex, int ClassIndex, double X, double Y, double Width, double Height, double Score, long Sequence);

/// <summary>AP of one class; <see cref="HasGroundTruth"/> false means excluded (values 0.0, not in the means).</summary>
public readonly record struct ClassAveragePrecision(bool HasGroundTruth, double Ap50, double Ap75, double Ap50To95);

public sealed record CocoMapResult(double Map50, double Map75, double Map50To95, ClassAveragePrecision[] PerClass);

/// <summary>
/// pycocotools' <c>COCOeval</c> (bbox, default parameters, area range "all", maxDets 100) re-stated in
/// C# so that its numbers agree to 1e-6 (contract §6.5). Every ordering choice below mirrors a numpy
/// call of pycocotools: its stable mergesorts, <c>searchsorted(side='left')</c> and the exact
/// <c>linspace</c> thresholds, because ties and threshold rounding are where re-implementations drift.
/// Buffers are sized once per class and reused across images and thresholds.
/// </summary>
public static class CocoMapEvaluator
{
    public const int MaxDetectionsPerImage = 100;
    public const int ThresholdCount = 10;
    public const int RecallPointCount = 101;
    private const double AreaMin = 0;
    private const double AreaMax = 1e10;

    /// <summary>numpy <c>np.spacing(1)</c> = 2^-52, added to pycocotools' precision denominator.</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    // Declared before the public views below: static initialisers run in text order.
    private static readonly double[] IouThresholdValues = BuildLinspace(0.5, 0.95, ThresholdCount);
    private static readonly double[] RecallThresholdValues = BuildLinspace(0.0, 1.0, RecallPointCount);

    /// <summary>numpy <c>linspace(.5, .95, 10)</c>: <c>j·step + .5</c>, the last value set exactly.</summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Array.AsReadOnly(IouThresholdValues);

    /// <summary>numpy <c>linspace(0, 1, 101)</c>: <c>i·0.01</c> (so r_35 = 0.35000000000000003), last exactly 1.</summary>
    public static IReadOnlyList<double> RecallThresholds { get; } = Array.AsReadOnly(RecallThresholdValues);

    private static double[] BuildLinspace(double start, double stop, int count)
    {
        var step = (stop - start) / (count - 1);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = i * step + start;
        }

        values[count - 1] = stop;
        return values;
    }

    public static CocoMapResult Evaluate(int classCount, ReadOnlySpan<MapGroundTruth> groundTruth, ReadOnlySpan<MapDetection> detections)
    {
        var gtOrder = SortGroundTruth(groundTruth);
        var dtOrder = SortDetections(detections);
        var perClass = new ClassAveragePrecision[classCount];
        var scratch = new ClassScratch();
        int gtCursor = 0, dtCursor = 0;
        double sum50 = 0, sum75 = 0, sumAll = 0;
        var included = 0;
        for (var classIndex = 0; classIndex < classCount; classIndex++)
        {
            var gtStart = gtCursor;
            while (gtCursor < gtOrder.Length && groundTruth[gtOrder[gtCursor]].ClassIndex == classIndex)
            {
                gtCursor++;
            }

            var dtStart = dtCursor;
            while (dtCursor < dtOrder.Length && detections[dtOrder[dtCursor]].ClassIndex == classIndex)
            {
                dtCursor++;
            }

            var result = EvaluateClass(
                groundTruth, gtOrder.AsSpan(gtStart, gtCursor - gtStart), detections, dtOrder.AsSpan(dtStart, dtCursor - dtStart), scratch);
            perClass[classIndex] = result;
            if (result.HasGroundTruth)
            {
                included++;
                sum50 += result.Ap50;
                sum75 += result.Ap75;
                sumAll += result.Ap50To95;
            }
        }

        return included == 0
            ? new CocoMapResult(-1.0, -1.0, -1.0, perClass)
            : new CocoMapResult(sum50 / included, sum75 / included, sumAll / included, perClass);
    }

    /// <summary>By class, image, then annotation order: the order of <c>_gts[img, cat]</c> in pycocotools.</summary>
    private static int[] SortGroundTruth(ReadOnlySpan<MapGroundTruth> groundTruth)
    {
        var order = new int[groundTruth.Length];
        var keys = new (int Class, int Image, long Sequence, int Index)[groundTruth.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            var g = groundTruth[i];
            keys[i] = (g.ClassIndex, g.ImageIndex, g.Sequence, i);
        }

        Array.Sort(keys);
        for (var i = 0; i < keys.Length; i++)
        {
            order[i] = keys[i].Index;
        }

        return order;
    }

    /// <summary>By class, image, score descending, then annotation order: the per-image stable score sort.</summary>
    private static int[] SortDetections(ReadOnlySpan<MapDetection> detections)
    {
        var order = new int[detections.Length];
        var keys = new (int Class, int Image, double NegativeScore, long Sequence, int Index)[detections.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            var d = detections[i];
            keys[i] = (d.ClassIndex, d.ImageIndex, -d.Score, d.Sequence, i);
        }

        Array.Sort(keys);
        for (var i = 0; i < keys.Length; i++)
        {
            order[i] = keys[i].Index;
        }

        return order;
    }

    /// <summary>Per-class working memory, grown as needed and reused.</summary>
    private sealed class ClassScratch
    {
        public int[] GtIndex = new int[16];
        public bool[] GtIgnore = new bool[16];
        public int[] GtMatchedBy = new int[16 * ThresholdCount];
        public double[] Iou = new double[256];

        // Kept detections of the class, in image order then score order (pycocotools' concatenation).
        public double[] Score = new double[64];
        public bool[] Matched = new bool[64 * ThresholdCount];
        public bool[] Ignored = new bool[64 * ThresholdCount];
        public int[] PooledOrder = new int[64];
        public double[] Recall = new double[64];
        public double[] Precision = new double[64];

        public void EnsureImage(int gtCount, int dtCount)
        {
            if (GtIndex.Length < gtCount)
            {
                var size = Math.Max(gtCount, GtIndex.Length * 2);
                GtIndex = new int[size];
                GtIgnore = new bool[size];
                GtMatchedBy = new int[size * ThresholdCount];
            }

            if (Iou.Length < gtCount * dtCount)
            {
                Iou = new double[Math.Max(gtCount * dtCount, Iou.Length * 2)];
            }
        }

        public void EnsurePooled(int count)
        {
            if (Score.Length >= count)
            {
                return;
            }

            var size = Math.Max(count, Score.Length * 2);
            Array.Resize(ref Score, size);
            Array.Resize(ref Matched, size * ThresholdCount);
            Array.Resize(ref Ignored, size * ThresholdCount);
            PooledOrder = new int[size];
            Recall = new double[size];
            Precision = new double[size];
        }
    }

    private static ClassAveragePrecision EvaluateClass(
        ReadOnlySpan<MapGroundTruth> allGt, ReadOnlySpan<int> gtOrder, ReadOnlySpan<MapDetection> allDt, ReadOnlySpan<int> dtOrder, ClassScratch s)
    {
        var positives = 0;
        var pooled = 0;
        int gi = 0, di = 0;
        while (gi < gtOrder.Length || di < dtOrder.Length)
        {
            // The next image of this class that has ground truth or detections (pycocotools skips images with neither).
            var image = Math.Min(
                gi < gtOrder.Length ? allGt[gtOrder[gi]].ImageIndex : int.MaxValue,
                di < dtOrder.Length ? allDt[dtOrder[di]].ImageIndex : int.MaxValue);
            var gtStart = gi;
            while (gi < gtOrder.Length && allGt[gtOrder[gi]].ImageIndex == image)
            {
                gi++;
            }

            var dtStart = di;
            while (di < dtOrder.Length && allDt[dtOrder[di]].ImageIndex == image)
            {
                di++;
            }

            var imageDt = dtOrder.Slice(dtStart, Math.Min(di - dtStart, MaxDetectionsPerImage));
            positives += EvaluateImage(allGt, gtOrder[gtStart..gi], allDt, imageDt, s, ref pooled);
        }

        if (positives == 0)
        {
            return new ClassAveragePrecision(false, 0.0, 0.0, 0.0);
        }

        // Stable sort by score descending over the concatenation (numpy argsort(-scores, kind='mergesort')).
        var order = s.PooledOrder.AsSpan(0, pooled);
        for (var i = 0; i < pooled; i++)
        {
            order[i] = i;
        }

        var scores = s.Score;
        order.Sort((a, b) =>
        {
            var byScore = scores[b].CompareTo(scores[a]);
            return byScore != 0 ? byScore : a.CompareTo(b);
        });

        Span<double> ap = stackalloc double[ThresholdCount];
        for (var t = 0; t < ThresholdCount; t++)
        {
            ap[t] = AveragePrecision(order, t, positives, s);
        }

        var mean = 0.0;
        for (var t = 0; t < ThresholdCount; t++)
        {
            mean += ap[t];
        }

        return new ClassAveragePrecision(true, ap[0], ap[5], mean / ThresholdCount);
    }

    /// <summary>pycocotools <c>evaluateImg</c> for one image and class; appends its kept detections to the pool
    /// and returns its number of non-ignored ground truth.</summary>
    private static int EvaluateImage(
        ReadOnlySpan<MapGroundTruth> allGt, ReadOnlySpan<int> gtInImage, ReadOnlySpan<MapDetection> allDt, ReadOnlySpan<int> dtInImage,
        ClassScratch s, ref int pooled)
    {
        var gtCount = gtInImage.Length;
        var dtCount = dtInImage.Length;
        s.EnsureImage(gtCount, dtCount);
        s.EnsurePooled(pooled + dtCount);

        // Non-ignored first, each group in annotation order (argsort of the ignore flags, mergesort).
        var positives = 0;
        var slot = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var index in gtInImage)
            {
                var g = allGt[index];
                var ignore = g.IsCrowd || g.Area < AreaMin || g.Area > AreaMax;
                if (ignore == (pass == 1))
                {
                    s.GtIndex[slot] = index;
                    s.GtIgnore[slot] = ignore;
                    slot++;
                    if (!ignore)
                    {
                        positives++;
                    }
                }
            }
        }

        for (var k = 0; k < dtCount; k++)
        {
            var d = allDt[dtInImage[k]];
            for (var j = 0; j < gtCount; j++)
            {
                s.Iou[k * gtCount + j] = Iou(d, allGt[s.GtIndex[j]]);
            }
        }

        Array.Fill(s.GtMatchedBy, -1, 0, gtCount * ThresholdCount);
        for (var k = 0; k < dtCount; k++)
        {
            var d = allDt[dtInImage[k]];
            var at = pooled + k;
            s.Score[at] = d.Score;
            var area = d.Width * d.Height;
            var areaOutside = area < AreaMin || area > AreaMax;
            for (var t = 0; t < ThresholdCount; t++)
            {
                var best = Math.Min(IouThresholdValues[t], 1 - 1e-10);
                var match = -1;
                for (var j = 0; j < gtCount; j++)
                {
                    if (s.GtMatchedBy[t * gtCount + j] >= 0 && !allGt[s.GtIndex[j]].IsCrowd)
                    {
                        continue;
                    }

                    if (match > -1 && !s.GtIgnore[match] && s.GtIgnore[j])
                    {
                        break;
                    }

                    var iou = s.Iou[k * gtCount + j];
                    if (iou < best)
                    {
                        continue;
                    }

                    best = iou;
                    match = j;
                }

                var flag = at * ThresholdCount + t;
                if (match == -1)
                {
                    s.Matched[flag] = false;
                    s.Ignored[flag] = areaOutside;
                }
                else
                {
                    s.Matched[flag] = true;
                    s.Ignored[flag] = s.GtIgnore[match];
                    s.GtMatchedBy[t * gtCount + match] = k;
                }
            }
        }

        pooled += dtCount;
        return positives;
    }

    /// <summary>§6.1 IoU, except that a crowd ground truth's union is the detection's own area (maskUtils.iou).</summary>
    private static double Iou(in MapDetection d, in MapGroundTruth g)
    {
        var iw = Math.Min(d.Width + d.X, g.Width + g.X) - Math.Max(d.X, g.X);
        if (iw <= 0)
        {
            return 0;
        }

        var ih = Math.Min(d.Height + d.Y, g.Height + g.Y) - Math.Max(d.Y, g.Y);
        if (ih <= 0)
        {
            return 0;
        }

        var intersection = iw * ih;
        var detectionArea = d.Width * d.Height;
        var union = g.IsCrowd ? detectionArea : detectionArea + g.Width * g.Height - intersection;
        return intersection / union;
    }

    /// <summary>pycocotools <c>accumulate</c> for one class and threshold: mean of the 101 interpolated precisions.
    /// Ignored detections are left out; they would only repeat their predecessor's recall and precision.</summary>
    private static double AveragePrecision(ReadOnlySpan<int> order, int t, int positives, ClassScratch s)
    {
        var count = 0;
        double tp = 0, fp = 0;
        foreach (var at in order)
        {
            var flag = at * ThresholdCount + t;
            if (s.Ignored[flag])
            {
                continue;
            }

            if (s.Matched[flag])
            {
                tp++;
            }
            else
            {
                fp++;
            }

            s.Recall[count] = tp / positives;
            s.Precision[count] = tp / (fp + tp + MachineEpsilon);
            count++;
        }

        for (var i = count - 1; i > 0; i--)
        {
            if (s.Precision[i] > s.Precision[i - 1])
            {
                s.Precision[i - 1] = s.Precision[i];
            }
        }

        var sum = 0.0;
        var j = 0;
        foreach (var r in RecallThresholdValues)
        {
            while (j < count && s.Recall[j] < r)
            {
                j++;
            }

            if (j == count)
            {
                break;
            }

            sum += s.Precision[j];
        }

        return sum / RecallPointCount;
    }
}
