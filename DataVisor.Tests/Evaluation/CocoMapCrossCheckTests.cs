using DataVisor.Api.Evaluation;

namespace DataVisor.Tests.Evaluation;

/// <summary>Generated cases: the evaluator against <see cref="ReferenceCocoEval"/> to 1e-6 (contract §6.5).</summary>
public sealed class CocoMapCrossCheckTests
{
    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void GeneratedCase_MatchesReference(int seed)
    {
        var random = new Random(seed);
        var classCount = 1 + random.Next(5);
        var imageCount = 1 + random.Next(seed % 4 == 0 ? 3 : 25);
        // Coarse grids and few distinct scores make equal IoUs and tied scores common; some images get
        // more than 100 detections of one class.
        var scores = Enumerable.Range(0, 1 + random.Next(12)).Select(_ => Math.Round(random.NextDouble(), 2)).ToArray();
        long sequence = 0;
        var gts = new List<MapGroundTruth>();
        var dts = new List<MapDetection>();
        for (var image = 0; image < imageCount; image++)
        {
            var gtInImage = random.Next(8);
            var boxes = new List<(int Cls, double X, double Y, double W, double H)>();
            for (var i = 0; i < gtInImage; i++)
            {
                var box = (random.Next(classCount), random.Next(10) * 8.0, random.Next(10) * 8.0, 4.0 + random.Next(6) * 4, 4.0 + random.Next(6) * 4);
                boxes.Add(box);
                var crowd = random.Next(8) == 0;
                var area = random.Next(15) switch
                {
                    0 => 2e10,
                    1 => -1.0,
                    2 => box.Item4 * box.Item5 * 0.5,
                    _ => box.Item4 * box.Item5,
                };
                gts.Add(new MapGroundTruth(image, box.Item1, box.Item2, box.Item3, box.Item4, box.Item5, area, crowd, sequence++));
            }

            var dtInImage = random.Next(20) == 0 ? 100 + random.Next(40) : random.Next(12);
            for (var i = 0; i < dtInImage; i++)
            {
                double x, y, w, h;
                int cls;
                if (boxes.Count > 0 && random.Next(3) > 0)
                {
                    var near = boxes[random.Next(boxes.Count)];
                    cls = random.Next(4) == 0 ? random.Next(classCount) : near.Cls;
                    x = near.X + random.Next(-2, 3) * 2;
                    y = near.Y + random.Next(-2, 3) * 2;
                    w = Math.Max(0, near.W + random.Next(-2, 3) * 2);
                    h = Math.Max(0, near.H + random.Next(-2, 3) * 2);
                }
                else
                {
                    cls = dtInImage > 100 ? 0 : random.Next(classCount);
                    x = random.Next(12) * 8.0;
                    y = random.Next(12) * 8.0;
                    w = 4.0 + random.Next(6) * 4;
                    h = random.Next(30) == 0 ? 1e6 * 2e5 : 4.0 + random.Next(6) * 4;
                }

                dts.Add(new MapDetection(image, cls, x, y, w, h, scores[random.Next(scores.Length)], sequence++));
            }
        }

        // Interleave the input order: the evaluator must not depend on it.
        var shuffledGts = gts.OrderBy(_ => random.Next()).ToArray();
        var shuffledDts = dts.OrderBy(_ => random.Next()).ToArray();

        var actual = CocoMapEvaluator.Evaluate(classCount, shuffledGts, shuffledDts);
        var expected = ReferenceCocoEval.Run(classCount, gts.ToArray(), dts.ToArray());

        Assert.Equal(expected.Map50, actual.Map50, 1e-6);
        Assert.Equal(expected.Map75, actual.Map75, 1e-6);
        Assert.Equal(expected.Map, actual.Map50To95, 1e-6);
        for (var k = 0; k < classCount; k++)
        {
            Assert.Equal(expected.PerClass[k, 0], actual.PerClass[k].Ap50, 1e-6);
            Assert.Equal(expected.PerClass[k, 1], actual.PerClass[k].Ap75, 1e-6);
            Assert.Equal(expected.PerClass[k, 2], actual.PerClass[k].Ap50To95, 1e-6);
        }
    }
}
