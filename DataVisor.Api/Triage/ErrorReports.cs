using DataVisor.Api.Evaluation;

namespace DataVisor.Api.Triage;

/// <summary>R20, R21 and R44 computed from one scope's entries (§6.3, §6.7, §6.8).</summary>
public static class ErrorReports
{
    private const int ListCap = 50;

    /// <summary>R21: summary and per_class count every entry; each type's list keeps its first 50 entries.</summary>
    public static ErrorAnalysis Analysis(ErrorScope scope)
    {
        var types = scope.IsClassification ? ErrorCategorizer.ClassificationTypes : ErrorCategorizer.DetectionTypes;
        var lists = types.ToDictionary(t => t, _ => new List<ErrorSample>(), StringComparer.Ordinal);
        var perClass = new SortedDictionary<string, long[]>(OrdinalText.Comparer);
        var totals = new long[4];
        foreach (var entry in scope.Entries)
        {
            var bucket = Bucket(entry.ErrorType);
            totals[bucket]++;
            if (!perClass.TryGetValue(entry.CategoryName, out var counts))
            {
                perClass[entry.CategoryName] = counts = new long[4];
            }

            counts[bucket]++;
            var list = lists[entry.ErrorType];
            if (list.Count < ListCap)
            {
                list.Add(new ErrorSample(entry.Sample.Id, entry.ErrorType, entry.CategoryName, entry.Confidence));
            }
        }

        return new ErrorAnalysis(
            new ErrorSummary(totals[0], totals[1], totals[2], totals[3]),
            [.. perClass.Select(p => new ClassErrorCounts(p.Key, p.Value[0], p.Value[1], p.Value[2], p.Value[3]))],
            types.ToDictionary(t => t, t => (IReadOnlyList<ErrorSample>)lists[t], StringComparer.Ordinal));
    }

    /// <summary>0 tp, 1 hard_fp, 2 label_error, 3 fn — the order of the summary and per_class fields.</summary>
    private static int Bucket(string errorType) => errorType switch
    {
        ErrorCategorizer.TruePositive or ErrorCategorizer.Correct => 0,
        ErrorCategorizer.HardFalsePositive => 1,
        ErrorCategorizer.LabelError or ErrorCategorizer.Misclassified => 2,
        _ => 3,
    };

    /// <summary>R20: the samples with at least one entry counted in the cell, in evaluation order.</summary>
    public static ConfusionCellSamples Cell(ErrorScope scope, string actualClass, string predictedClass)
    {
        var ids = new List<string>();
        // §6.7: a classification cell never involves background (a missing prediction has no cell).
        var impossible = scope.IsClassification && (actualClass == DetectionEvaluator.Background || predictedClass == DetectionEvaluator.Background);
        if (!impossible)
        {
            EvaluationSample? last = null;
            foreach (var entry in scope.Entries)
            {
                // Entries of one sample are adjacent, so comparing with the last added sample de-duplicates.
                if (entry.ActualClass == actualClass && entry.PredictedClass == predictedClass && !ReferenceEquals(entry.Sample, last))
                {
                    last = entry.Sample;
                    ids.Add(entry.Sample.Id);
                }
            }
        }

        return new ConfusionCellSamples(actualClass, predictedClass, ids, ids.Count);
    }

    /// <summary>R44 (§6.8): ranks every sample with an error entry over the whole, uncapped scope (D2).</summary>
    public static WorstImages Worst(ErrorScope scope, int limit)
    {
        var ranked = new List<(EvaluationSample Sample, int Order, long Count, double Spread, double? MaxConfidence)>();
        var confidences = new List<double>();
        var order = 0;
        foreach (var group in scope.Entries.Where(e => e.IsError).GroupBy(e => e.Sample))
        {
            confidences.Clear();
            confidences.AddRange(group.Where(e => e.Confidence.HasValue).Select(e => e.Confidence!.Value));
            ranked.Add((group.Key, order++, group.LongCount(), PopulationStandardDeviation(confidences),
                confidences.Count == 0 ? null : confidences.Max()));
        }

        if (ranked.Count == 0)
        {
            return new WorstImages([]);
        }

        var maxCount = (double)ranked.Max(r => r.Count);
        var maxSpread = ranked.Max(r => r.Spread);
        if (maxSpread == 0)
        {
            maxSpread = 1;
        }

        var items = ranked
            .Select(r => (r.Sample, r.Order, r.Count, r.Spread, r.MaxConfidence, Score: 0.6 * r.Count / maxCount + 0.4 * r.Spread / maxSpread))
            .OrderByDescending(r => r.Score)
            .ThenByDescending(r => r.MaxConfidence ?? double.NegativeInfinity) // none last
            .ThenBy(r => r.Order)
            .Take(limit)
            .Select(r => new WorstImage(r.Sample.Id, r.Count, Round(r.Spread), Round(r.Score)))
            .ToList();
        return new WorstImages(items);
    }

    /// <summary>§6.8: the population standard deviation when there are at least two values, else 0.</summary>
    private static double PopulationStandardDeviation(List<double> values)
    {
        if (values.Count < 2)
        {
            return 0;
        }

        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }

    /// <summary>Floats are rounded to 4 decimals only when written (§6.8).</summary>
    private static double Round(double value) => Math.Round(value, 4, MidpointRounding.ToEven);
}
