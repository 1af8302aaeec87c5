using DataVisor.Api.Evaluation;

namespace DataVisor.Tests.Evaluation;

/// <summary>Hand-computed cases for contract §6.5, one rule each; the expected values are worked out in comments.</summary>
public sealed class CocoMapEvaluatorTests
{
    private const double Tolerance = 1e-12;
    private long _sequence;

    private MapGroundTruth Gt(int image, int cls, double x, double y, double w, double h, bool crowd = false, double? area = null) =>
        new(image, cls, x, y, w, h, area ?? w * h, crowd, _sequence++);

    private MapDetection Dt(int image, int cls, double x, double y, double w, double h, double score) =>
        new(image, cls, x, y, w, h, score, _sequence++);

    private static void AssertAll(CocoMapResult result, double map50, double map75, double map)
    {
        Assert.Equal(map50, result.Map50, Tolerance);
        Assert.Equal(map75, result.Map75, Tolerance);
        Assert.Equal(map, result.Map50To95, Tolerance);
    }

    [Fact]
    public void ThresholdsAreNumpyLinspace()
    {
        Assert.Equal(0.8999999999999999, CocoMapEvaluator.IouThresholds[8]);
        Assert.Equal(0.95, CocoMapEvaluator.IouThresholds[9]);
        Assert.Equal(0.35000000000000003, CocoMapEvaluator.RecallThresholds[35]);
        Assert.Equal(1.0, CocoMapEvaluator.RecallThresholds[100]);
    }

    [Fact]
    public void PerfectDetection_IsOne()
    {
        var result = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 0, 0, 10, 10, 0.9)]);
        // Precision is tp / (tp + fp + 2^-52), so "1" is 1 − 2^-52 as in pycocotools.
        AssertAll(result, 1, 1, 1);
        Assert.True(result.PerClass[0].HasGroundTruth);
        Assert.Equal(1, result.PerClass[0].Ap50To95, Tolerance);
    }

    [Fact]
    public void IouExactlyOnThresholds_Matches()
    {
        // IoU 90/100 = 0.9 exactly; t_8 = 0.8999999999999999 ≤ 0.9 matches, t_9 = 0.95 does not → 9 of 10 thresholds → 0.9.
        var ninety = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 0, 0, 10, 9, 0.9)]);
        AssertAll(ninety, 1, 1, 0.9);
        // IoU 75/100 = 0.75 = t_5 exactly → t_0 … t_5 match → 6/10; ap75 = 1.
        var seventyFive = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 0, 0, 10, 7.5, 0.9)]);
        AssertAll(seventyFive, 1, 1, 0.6);
        // IoU 50/100 → only t_0 → ap50 1, ap75 0, mean 0.1.
        var fifty = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 0, 0, 10, 5, 0.9)]);
        AssertAll(fifty, 1, 0, 0.1);
    }

    [Fact]
    public void DuplicateDetection_IsFalsePositive()
    {
        // a (0.9) TP on g1, b (0.8) duplicate on g1 → FP, c (0.7) TP on g2. n_pos 2.
        // rc = [.5, .5, 1], pr = [1, .5, 2/3] → right max [1, 2/3, 2/3].
        // r_0 … r_50 (r_50 = 0.5) → index 0 → 1 (51 values); r_51 … r_100 → index 2 → 2/3 (50 values).
        // AP = (51 + 50·2/3) / 101 at every threshold (all IoU are 1).
        var expected = (51 + 50 * (2.0 / 3)) / 101;
        var result = CocoMapEvaluator.Evaluate(
            1,
            [Gt(0, 0, 0, 0, 10, 10), Gt(0, 0, 100, 100, 10, 10)],
            [Dt(0, 0, 0, 0, 10, 10, 0.9), Dt(0, 0, 0, 0, 10, 10, 0.8), Dt(0, 0, 100, 100, 10, 10, 0.7)]);
        AssertAll(result, expected, expected, expected);
    }

    [Fact]
    public void HigherScoredFalsePositive_HalvesPrecision()
    {
        // FP (0.95) then TP (0.9): rc = [0, 1], pr = [0, .5] → right max [.5, .5] → every q = .5.
        var result = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 20, 20, 10, 10, 0.95), Dt(0, 0, 0, 0, 10, 10, 0.9)]);
        AssertAll(result, 0.5, 0.5, 0.5);
    }

    [Fact]
    public void CrowdGroundTruth_IgnoresAndAbsorbsDetections_UsingDetectionAreaAsUnion()
    {
        // Crowd region 100×100 at (50,50). d2 (0.95) and d3 (0.92) lie inside it: IoU against crowd = I / (pw·ph) = 1
        // (the ordinary IoU would be 100/10000 = 0.01). Both match the crowd (reusable) → ignored. d1 (0.9) TP on g1.
        // Remaining: one TP, n_pos = 1 (crowd not counted) → AP 1. Treating them as FPs would give 1/3, a
        // non-reusable crowd 1/2.
        var result = CocoMapEvaluator.Evaluate(
            1,
            [Gt(0, 0, 0, 0, 10, 10), Gt(0, 0, 50, 50, 100, 100, crowd: true)],
            [Dt(0, 0, 60, 60, 10, 10, 0.95), Dt(0, 0, 70, 70, 10, 10, 0.92), Dt(0, 0, 0, 0, 10, 10, 0.9)]);
        AssertAll(result, 1, 1, 1);
    }

    [Fact]
    public void OnlyCrowdGroundTruth_ExcludesTheClass()
    {
        var result = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10, crowd: true)], [Dt(0, 0, 0, 0, 10, 10, 0.9)]);
        AssertAll(result, -1, -1, -1);
        Assert.False(result.PerClass[0].HasGroundTruth);
    }

    [Fact]
    public void GroundTruthOutsideAreaRange_IsIgnored_AndDoesNotCount()
    {
        // g2's stored area 2e10 > 1e10 → ignored: its matching detection (0.95) is ignored, n_pos = 1 → AP 1.
        var result = CocoMapEvaluator.Evaluate(
            1,
            [Gt(0, 0, 0, 0, 10, 10), Gt(0, 0, 100, 100, 10, 10, area: 2e10)],
            [Dt(0, 0, 100, 100, 10, 10, 0.95), Dt(0, 0, 0, 0, 10, 10, 0.9)]);
        AssertAll(result, 1, 1, 1);
    }

    [Fact]
    public void MoreThanHundredDetections_AreCutPerImageAndClass()
    {
        // Class 0: 100 FPs at 0.9 then the TP at 0.5 → the TP is the 101st and is cut → no TP → AP 0.
        // Class 1 (same image): 99 FPs at 0.9 then its TP at 0.1 → exactly 100, nothing cut → the TP is 100th:
        // rc = [0 … 0, 1], pr_100 = 1/100 → right max 0.01 everywhere → AP 0.01. A per-image cut over both
        // classes would have dropped it. map = (0 + 0.01) / 2.
        var gts = new List<MapGroundTruth> { Gt(0, 0, 0, 0, 10, 10), Gt(0, 1, 0, 0, 10, 10) };
        var dts = new List<MapDetection>();
        for (var i = 0; i < 100; i++)
        {
            dts.Add(Dt(0, 0, 1000 + i * 20, 0, 10, 10, 0.9));
        }

        dts.Add(Dt(0, 0, 0, 0, 10, 10, 0.5));
        for (var i = 0; i < 99; i++)
        {
            dts.Add(Dt(0, 1, 1000 + i * 20, 0, 10, 10, 0.9));
        }

        dts.Add(Dt(0, 1, 0, 0, 10, 10, 0.1));
        var result = CocoMapEvaluator.Evaluate(2, gts.ToArray(), dts.ToArray());
        AssertAll(result, 0.005, 0.005, 0.005);
        Assert.Equal(0, result.PerClass[0].Ap50, Tolerance);
        Assert.Equal(0.01, result.PerClass[1].Ap50, Tolerance);
    }

    [Fact]
    public void ClassWithoutGroundTruth_IsExcludedFromTheMean()
    {
        // Class 0 perfect (1); class 1 only predictions → excluded (0.0 reported); class 2 has nothing → excluded.
        var result = CocoMapEvaluator.Evaluate(3, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 0, 0, 10, 10, 0.9), Dt(0, 1, 0, 0, 10, 10, 0.99)]);
        AssertAll(result, 1, 1, 1);
        Assert.Equal(new ClassAveragePrecision(false, 0, 0, 0), result.PerClass[1]);
        Assert.Equal(new ClassAveragePrecision(false, 0, 0, 0), result.PerClass[2]);
    }

    [Fact]
    public void NothingAtAll_IsMinusOne()
    {
        AssertAll(CocoMapEvaluator.Evaluate(0, [], []), -1, -1, -1);
    }

    [Fact]
    public void TiedScores_KeepAnnotationOrderWithinAnImage()
    {
        // FP (seq first) and TP both 0.8: stable → FP first → rc [0, 1], pr [0, .5] → AP .5 (TP first would be 1).
        var fpFirst = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 50, 50, 10, 10, 0.8), Dt(0, 0, 0, 0, 10, 10, 0.8)]);
        AssertAll(fpFirst, 0.5, 0.5, 0.5);
        var tpFirst = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 0, 0, 10, 10, 0.8), Dt(0, 0, 50, 50, 10, 10, 0.8)]);
        AssertAll(tpFirst, 1, 1, 1);
    }

    [Fact]
    public void TiedScores_AcrossImages_FollowImageOrder()
    {
        // Image 0 holds an FP at 0.8, image 1 the TP at 0.8 (its detection written first): image order wins → .5.
        var tp = Dt(1, 0, 0, 0, 10, 10, 0.8);
        var fp = Dt(0, 0, 50, 50, 10, 10, 0.8);
        AssertAll(CocoMapEvaluator.Evaluate(1, [Gt(1, 0, 0, 0, 10, 10)], [tp, fp]), 0.5, 0.5, 0.5);
        // Same boxes with the images swapped: the TP's image comes first → 1.
        AssertAll(CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10)], [tp with { ImageIndex = 0 }, fp with { ImageIndex = 1 }]), 1, 1, 1);
    }

    [Fact]
    public void EqualIou_LaterGroundTruthWins()
    {
        // Two identical GT boxes; d1 (0.9) takes the later one (≥ comparison), d2 (0.8) then the earlier one:
        // both TP → AP 1. (Only the bookkeeping differs, but a strict > would still match both; the
        // cross-check against the reference covers the id-level behaviour.)
        var result = CocoMapEvaluator.Evaluate(1, [Gt(0, 0, 0, 0, 10, 10), Gt(0, 0, 0, 0, 10, 10)], [Dt(0, 0, 0, 0, 10, 10, 0.9), Dt(0, 0, 0, 0, 10, 10, 0.8)]);
        AssertAll(result, 1, 1, 1);
    }

    [Fact]
    public void RecallLevelThirtyFive_IsSlightlyAboveThirtyFivePercent()
    {
        // 20 images with one GT each. Detections: 7 TPs (0.9 … 0.84), one FP (0.5), one TP (0.4).
        // rc = [1/20 … 7/20, 7/20, 8/20], pr = [1 ×7, 7/8, 8/9] → right max [1 ×7, 8/9, 8/9].
        // 7/20 = 0.35 (double 0.3499…) < r_35 = 0.35000000000000003, so r_35 … r_40 use index 8 → 8/9;
        // r_0 … r_34 → 1; r_41 … → 0.  AP = (35 + 6·8/9) / 101.
        var gts = Enumerable.Range(0, 20).Select(i => Gt(i, 0, 0, 0, 10, 10)).ToArray();
        var dts = new List<MapDetection>();
        for (var i = 0; i < 7; i++)
        {
            dts.Add(Dt(i, 0, 0, 0, 10, 10, 0.9 - i * 0.01));
        }

        dts.Add(Dt(7, 0, 50, 50, 10, 10, 0.5));
        dts.Add(Dt(8, 0, 0, 0, 10, 10, 0.4));
        var expected = (35 + 6 * (8.0 / 9)) / 101;
        AssertAll(CocoMapEvaluator.Evaluate(1, gts, dts.ToArray()), expected, expected, expected);
    }
}
