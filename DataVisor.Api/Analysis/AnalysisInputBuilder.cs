using DataVisor.Api.Evaluation;
using DataVisor.Api.Storage;
using DataVisor.Api.Triage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Analysis;

/// <summary>
/// Builds the <see cref="AnalysisInput"/> from the same scope and matching as R21 and R44 (§6.2, §6.7, D2),
/// over every sample of the dataset (no split, no list cap, D26).
/// </summary>
public static class AnalysisInputBuilder
{
    /// <summary>TPs below this confidence are "low confidence" (§6.12's second bucket ends here).</summary>
    public const double LowConfidence = 0.5;

    /// <summary>Hard FPs at or above this confidence are "high confidence" (§6.12's top bucket).</summary>
    public const double HighConfidence = 0.9;

    public static AnalysisInput Build(
        DuckDBConnection connection, string datasetId, bool isClassification, AnalyzeRequest request,
        Func<IReadOnlyList<EvaluationSample>, SplitLeakage?> leakage)
    {
        var samples = EvaluationScope.Load(connection, datasetId, request.Source, split: null);
        var entries = ErrorCategorizer.Categorize(samples, isClassification, request.IouThreshold, request.ConfThreshold).ToList();
        var scope = new ErrorScope(isClassification, samples, entries);
        var tags = LoadTags(connection, datasetId);
        var types = isClassification ? ErrorCategorizer.ClassificationTypes : ErrorCategorizer.DetectionTypes;

        var histograms = types.Select(type => new ConfidenceHistogram(type, new long[AnalysisInput.BucketLabels.Length])).ToArray();
        var pairs = new Dictionary<(string, string), long>();
        long lowConfidenceTp = 0, highConfidenceFp = 0;
        var highConfidenceFpClasses = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            // A false negative or missing prediction has no prediction, hence no confidence; the rest use c(p).
            if (entry.PredictedClass is null || entry.ErrorType == ErrorCategorizer.FalseNegative)
            {
                continue;
            }

            var confidence = entry.Confidence ?? 1.0;
            histograms[Array.IndexOf(types, entry.ErrorType)].Buckets[AnalysisInput.Bucket(confidence)]++;
            switch (entry.ErrorType)
            {
                case ErrorCategorizer.TruePositive or ErrorCategorizer.Correct when confidence < LowConfidence:
                    lowConfidenceTp++;
                    break;
                case ErrorCategorizer.HardFalsePositive when confidence >= HighConfidence:
                    highConfidenceFp++;
                    highConfidenceFpClasses[entry.CategoryName] = highConfidenceFpClasses.GetValueOrDefault(entry.CategoryName) + 1;
                    break;
                case ErrorCategorizer.LabelError or ErrorCategorizer.Misclassified:
                    var key = (entry.ActualClass!, entry.PredictedClass);
                    pairs[key] = pairs.GetValueOrDefault(key) + 1;
                    break;
            }
        }

        return new AnalysisInput(
            datasetId,
            request.Source,
            request.IouThreshold,
            request.ConfThreshold,
            isClassification,
            samples.Count,
            ErrorReports.Analysis(scope).Summary,
            Classes(samples, entries, isClassification, request),
            histograms,
            [.. types.Select(type => TypeTags(type, entries, tags))],
            Prevalence(samples, tags),
            [.. pairs.Select(p => new ConfusionPair(p.Key.Item1, p.Key.Item2, p.Value))
                .OrderByDescending(p => p.Count).ThenBy(p => p.Actual, OrdinalText.Comparer).ThenBy(p => p.Predicted, OrdinalText.Comparer)],
            lowConfidenceTp,
            highConfidenceFp,
            [.. highConfidenceFpClasses.OrderByDescending(c => c.Value).ThenBy(c => c.Key, OrdinalText.Comparer).Select(c => (c.Key, c.Value))],
            leakage(samples));
    }

    /// <summary>Every class with GT or predictions, by GT count descending, then name.</summary>
    private static List<ClassCounts> Classes(List<EvaluationSample> samples, List<ErrorEntry> entries, bool isClassification, AnalyzeRequest request)
    {
        var groundTruth = new Dictionary<string, long>(StringComparer.Ordinal);
        var predictions = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            foreach (var box in sample.GroundTruth)
            {
                groundTruth[box.CategoryName] = groundTruth.GetValueOrDefault(box.CategoryName) + 1;
            }

            foreach (var box in sample.Predictions)
            {
                predictions[box.CategoryName] = predictions.GetValueOrDefault(box.CategoryName) + 1;
            }
        }

        // tp and correct are keyed by a class that is both the GT and the predicted class.
        var found = entries.Where(e => !e.IsError).GroupBy(e => e.CategoryName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.LongCount(), StringComparer.Ordinal);
        var ap = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!isClassification)
        {
            // The PR-curve AP at the requested IoU (§6.4), the per-class AP the frontend plots next to the matrix.
            foreach (var curve in DetectionEvaluator.PrCurves(samples, request.IouThreshold, request.ConfThreshold).Skip(1))
            {
                ap[curve.ClassName] = curve.Ap;
            }
        }

        return [.. groundTruth.Keys.Union(predictions.Keys)
            .Select(name => new ClassCounts(
                name,
                groundTruth.GetValueOrDefault(name),
                predictions.GetValueOrDefault(name),
                found.GetValueOrDefault(name),
                !isClassification && groundTruth.ContainsKey(name) ? ap.GetValueOrDefault(name) : null))
            .OrderByDescending(c => c.GroundTruth)
            .ThenBy(c => c.Name, OrdinalText.Comparer)];
    }

    private static ErrorTypeTags TypeTags(string type, List<ErrorEntry> entries, Dictionary<string, string[]> tags)
    {
        var perSample = entries.Where(e => e.ErrorType == type).GroupBy(e => e.Sample.Id, StringComparer.Ordinal)
            .Select(g => (SampleId: g.Key, Entries: g.LongCount())).ToList();
        var counts = new Dictionary<string, (long Samples, long Entries)>(StringComparer.Ordinal);
        foreach (var (sampleId, count) in perSample)
        {
            foreach (var tag in tags.GetValueOrDefault(sampleId, []))
            {
                var (s, e) = counts.GetValueOrDefault(tag);
                counts[tag] = (s + 1, e + count);
            }
        }

        return new ErrorTypeTags(
            type,
            perSample.Sum(s => s.Entries),
            perSample.Count,
            [.. counts.Select(c => new TagCount(c.Key, c.Value.Samples, c.Value.Entries))
                .OrderByDescending(t => t.Samples).ThenBy(t => t.Tag, OrdinalText.Comparer)]);
    }

    private static List<TagCount> Prevalence(List<EvaluationSample> samples, Dictionary<string, string[]> tags) =>
        [.. samples.SelectMany(s => tags.GetValueOrDefault(s.Id, []))
            .GroupBy(tag => tag, StringComparer.Ordinal)
            .Select(g => new TagCount(g.Key, g.LongCount(), 0))
            .OrderByDescending(t => t.Samples)
            .ThenBy(t => t.Tag, OrdinalText.Comparer)];

    /// <summary>Each sample's tags (tags are distinct within a sample, §2.5).</summary>
    private static Dictionary<string, string[]> LoadTags(DuckDBConnection connection, string datasetId)
    {
        var tags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var command = connection.Prepare(
            "SELECT id, unnest(tags) FROM samples WHERE dataset_id = $dataset_id", ("dataset_id", datasetId));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetString(0);
            if (!tags.TryGetValue(id, out var list))
            {
                tags[id] = list = [];
            }

            list.Add(reader.GetString(1));
        }

        return tags.ToDictionary(t => t.Key, t => t.Value.ToArray(), StringComparer.Ordinal);
    }
}
