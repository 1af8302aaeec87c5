using DataVisor.Api.Evaluation;

namespace DataVisor.Tests.Evaluation;

/// <summary>
/// A deliberately plain transcription of pycocotools' <c>COCOeval.evaluateImg</c> and <c>accumulate</c>
/// (bbox, area "all", maxDets 100), list-based and without any of the evaluator's shortcuts: ignored
/// detections stay in the cumulative sums and <c>searchsorted</c> runs as a binary search with the
/// try/except cut-off. Used only to cross-check <see cref="CocoMapEvaluator"/>.
/// </summary>
internal static class ReferenceCocoEval
{
    private sealed record Gt(int Id, MapGroundTruth Box)
    {
        public bool Ignore => Box.IsCrowd || Box.Area < 0 || Box.Area > 1e10;
    }

    private sealed record Dt(int Id, MapDetection Box)
    {
        public double Area => Box.Width * Box.Height;
    }

    private sealed record ImageEval(double[] Scores, int[,] DtMatches, bool[,] DtIgnore, bool[] GtIgnore);

    public static (double Map50, double Map75, double Map, double[,] PerClass) Run(int classCount, MapGroundTruth[] gts, MapDetection[] dts)
    {
        var thresholds = new double[10];
        var step = (0.95 - 0.5) / 9;
        for (var j = 0; j < 10; j++)
        {
            thresholds[j] = j * step + 0.5;
        }

        thresholds[9] = 0.95;
        var recalls = new double[101];
        for (var i = 0; i < 101; i++)
        {
            recalls[i] = i * 0.01;
        }

        recalls[100] = 1.0;

        // Ids as loadRes/loadAnns give them: 1-based, in file order (gt: image then annotation order; dt: annotation order).
        var gtList = gts.OrderBy(g => g.ImageIndex).ThenBy(g => g.Sequence).Select((g, i) => new Gt(i + 1, g)).ToList();
        var dtList = dts.OrderBy(d => d.Sequence).Select((d, i) => new Dt(i + 1, d)).ToList();
        var images = gts.Select(g => g.ImageIndex).Concat(dts.Select(d => d.ImageIndex)).Distinct().Order().ToList();

        var precision = new double[10, 101, classCount];
        for (var t = 0; t < 10; t++)
        for (var r = 0; r < 101; r++)
        for (var k = 0; k < classCount; k++)
        {
            precision[t, r, k] = -1;
        }

        for (var k = 0; k < classCount; k++)
        {
            var evals = new List<ImageEval>();
            foreach (var image in images)
            {
                var gt = gtList.Where(g => g.Box.ImageIndex == image && g.Box.ClassIndex == k).ToList();
                var dt = dtList.Where(d => d.Box.ImageIndex == image && d.Box.ClassIndex == k).ToList();
                if (gt.Count == 0 && dt.Count == 0)
                {
                    continue;
                }

                evals.Add(EvaluateImg(gt, dt, thresholds));
            }

            if (evals.Count == 0)
            {
                continue;
            }

            var scores = evals.SelectMany(e => e.Scores).ToArray();
            var inds = Enumerable.Range(0, scores.Length).OrderBy(i => -scores[i]).ToArray(); // LINQ OrderBy is stable
            var npig = evals.Sum(e => e.GtIgnore.Count(ig => !ig));
            if (npig == 0)
            {
                continue;
            }

            for (var t = 0; t < 10; t++)
            {
                var dtm = evals.SelectMany(e => Enumerable.Range(0, e.Scores.Length).Select(d => e.DtMatches[t, d])).ToArray();
                var dtIg = evals.SelectMany(e => Enumerable.Range(0, e.Scores.Length).Select(d => e.DtIgnore[t, d])).ToArray();
                var nd = inds.Length;
                var rc = new double[nd];
                var pr = new double[nd];
                double tpSum = 0, fpSum = 0;
                for (var i = 0; i < nd; i++)
                {
                    var m = dtm[inds[i]];
                    var ig = dtIg[inds[i]];
                    if (m != 0 && !ig)
                    {
                        tpSum++;
                    }

                    if (m == 0 && !ig)
                    {
                        fpSum++;
                    }

                    rc[i] = tpSum / npig;
                    pr[i] = tpSum / (fpSum + tpSum + Math.Pow(2, -52));
                }

                for (var i = nd - 1; i > 0; i--)
                {
                    if (pr[i] > pr[i - 1])
                    {
                        pr[i - 1] = pr[i];
                    }
                }

                var q = new double[101];
                for (var ri = 0; ri < 101; ri++)
                {
                    var pi = SearchSortedLeft(rc, recalls[ri]);
                    if (pi >= nd)
                    {
                        break; // IndexError ends the loop in pycocotools
                    }

                    q[ri] = pr[pi];
                }

                for (var ri = 0; ri < 101; ri++)
                {
                    precision[t, ri, k] = q[ri];
                }
            }
        }

        double Summarize(int? onlyT)
        {
            var values = new List<double>();
            for (var t = 0; t < 10; t++)
            {
                if (onlyT is { } only && only != t)
                {
                    continue;
                }

                for (var r = 0; r < 101; r++)
                for (var k = 0; k < classCount; k++)
                {
                    if (precision[t, r, k] > -1)
                    {
                        values.Add(precision[t, r, k]);
                    }
                }
            }

            return values.Count == 0 ? -1 : values.Average();
        }

        var perClass = new double[classCount, 3];
        for (var k = 0; k < classCount; k++)
        {
            double Mean(int from, int to)
            {
                var values = new List<double>();
                for (var t = from; t <= to; t++)
                for (var r = 0; r < 101; r++)
                {
                    if (precision[t, r, k] > -1)
                    {
                        values.Add(precision[t, r, k]);
                    }
                }

                return values.Count == 0 ? 0.0 : values.Average();
            }

            perClass[k, 0] = Mean(0, 0);
            perClass[k, 1] = Mean(5, 5);
            perClass[k, 2] = Mean(0, 9);
        }

        return (Summarize(0), Summarize(5), Summarize(null), perClass);
    }

    private static int SearchSortedLeft(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static ImageEval EvaluateImg(List<Gt> gtIn, List<Dt> dtIn, double[] thresholds)
    {
        var gt = gtIn.OrderBy(g => g.Ignore ? 1 : 0).ToList();
        var dt = dtIn.OrderBy(d => -d.Box.Score).Take(100).ToList();
        var ious = new double[dt.Count, gt.Count];
        for (var d = 0; d < dt.Count; d++)
        for (var g = 0; g < gt.Count; g++)
        {
            ious[d, g] = BoxIou(dt[d].Box, gt[g].Box);
        }

        var gtm = new int[10, gt.Count];
        var dtm = new int[10, dt.Count];
        var dtIg = new bool[10, dt.Count];
        var gtIg = gt.Select(g => g.Ignore).ToArray();
        for (var tind = 0; tind < 10; tind++)
        {
            for (var dind = 0; dind < dt.Count; dind++)
            {
                var iou = Math.Min(thresholds[tind], 1 - 1e-10);
                var m = -1;
                for (var gind = 0; gind < gt.Count; gind++)
                {
                    if (gtm[tind, gind] > 0 && !gt[gind].Box.IsCrowd)
                    {
                        continue;
                    }

                    if (m > -1 && !gtIg[m] && gtIg[gind])
                    {
                        break;
                    }

                    if (ious[dind, gind] < iou)
                    {
                        continue;
                    }

                    iou = ious[dind, gind];
                    m = gind;
                }

                if (m == -1)
                {
                    continue;
                }

                dtIg[tind, dind] = gtIg[m];
                dtm[tind, dind] = gt[m].Id;
                gtm[tind, m] = dt[dind].Id;
            }

            for (var dind = 0; dind < dt.Count; dind++)
            {
                var outside = dt[dind].Area < 0 || dt[dind].Area > 1e10;
                dtIg[tind, dind] = dtIg[tind, dind] || (dtm[tind, dind] == 0 && outside);
            }
        }

        return new ImageEval(dt.Select(d => d.Box.Score).ToArray(), dtm, dtIg, gtIg);
    }

    private static double BoxIou(MapDetection d, MapGroundTruth g)
    {
        var w = Math.Min(d.Width + d.X, g.Width + g.X) - Math.Max(d.X, g.X);
        if (w <= 0)
        {
            return 0;
        }

        var h = Math.Min(d.Height + d.Y, g.Height + g.Y) - Math.Max(d.Y, g.Y);
        if (h <= 0)
        {
            return 0;
        }

        var i = w * h;
        var da = d.Width * d.Height;
        var u = g.IsCrowd ? da : da + g.Width * g.Height - i;
        return i / u;
    }
}
