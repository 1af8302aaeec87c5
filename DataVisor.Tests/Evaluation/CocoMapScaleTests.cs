using System.Diagnostics;
using DataVisor.Api.Evaluation;
using Xunit.Abstractions;

namespace DataVisor.Tests.Evaluation;

/// <summary>The evaluator at a realistic size: finishes, stays in range, and reports its time.</summary>
public sealed class CocoMapScaleTests(ITestOutputHelper output)
{
    [Fact]
    public void TwentyThousandImages_EvaluateInReasonableTime()
    {
        const int images = 20_000;
        const int classes = 20;
        var random = new Random(11);
        var gts = new MapGroundTruth[images * 5];
        var dts = new MapDetection[images * 20];
        long seq = 0;
        for (var i = 0; i < gts.Length; i++)
        {
            gts[i] = new MapGroundTruth(i / 5, random.Next(classes), random.Next(500), random.Next(500), 20 + random.Next(80), 20 + random.Next(80), 3000, random.Next(50) == 0, seq++);
        }

        for (var i = 0; i < dts.Length; i++)
        {
            var g = gts[(i / 20) * 5 + random.Next(5)];
            dts[i] = new MapDetection(i / 20, random.Next(4) == 0 ? random.Next(classes) : g.ClassIndex, g.X + random.Next(-10, 11), g.Y + random.Next(-10, 11), g.Width, g.Height, Math.Round(random.NextDouble(), 3), seq++);
        }

        var watch = Stopwatch.StartNew();
        var result = CocoMapEvaluator.Evaluate(classes, gts, dts);
        watch.Stop();
        output.WriteLine($"{gts.Length} GT, {dts.Length} detections, {classes} classes: {watch.ElapsedMilliseconds} ms, map50 {result.Map50:F4}, map {result.Map50To95:F4}");

        Assert.InRange(result.Map50, 0.05, 1);
        Assert.InRange(result.Map50To95, 0, result.Map50);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }
}
