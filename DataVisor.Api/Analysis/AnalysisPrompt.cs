using System.Text;
using System.Text.Json;
using DataVisor.Api.Hosting;
using static DataVisor.Api.Analysis.FindingText;

namespace DataVisor.Api.Analysis;

/// <summary>The language model's messages (contract §6.12): instructions, then the input as text plus the built-in findings.</summary>
public static class AnalysisPrompt
{
    private const int ClassRows = 50;
    private const int TagsPerType = 10;

    public const string Instructions = """
        You are a computer-vision detection-error analyst. You receive pre-computed error statistics of one dataset
        and the findings of a deterministic pattern miner. Find the patterns that explain the errors, cite numbers
        from the input as evidence, and recommend concrete actions: which classes need more data, threshold changes,
        re-labelling versus collecting new images, augmentation, or model changes.
        Answer with one JSON object and nothing else, exactly in this schema:
        {"patterns": [{"pattern": string, "evidence": string, "severity": "high"|"medium"|"low", "affected_classes": [string]}],
         "recommendations": [{"action": string, "rationale": string, "priority": "high"|"medium"|"low",
                              "category": "data_collection"|"augmentation"|"labeling"|"architecture"|"hyperparameter"}],
         "summary": string}
        """;

    public static string Render(AnalysisInput input, AnalysisReport builtInFindings)
    {
        var text = new StringBuilder();
        text.AppendLine($"Dataset {input.DatasetId} ({(input.IsClassification ? "classification" : "detection")}), source '{input.Source}', " +
                        $"IoU threshold {Threshold(input.IouThreshold)}, confidence threshold {Threshold(input.ConfThreshold)}, {input.SampleCount} images.");
        text.AppendLine();
        var s = input.Summary;
        text.AppendLine("## Summary");
        text.AppendLine($"true_positives: {s.TruePositives}");
        text.AppendLine($"hard_false_positives: {s.HardFalsePositives}");
        text.AppendLine($"label_errors: {s.LabelErrors}");
        text.AppendLine($"false_negatives: {s.FalseNegatives}");
        text.AppendLine();
        text.AppendLine($"## Classes (top {ClassRows} by ground-truth count)");
        text.AppendLine("class | gt_count | pred_count");
        foreach (var cls in input.Classes.Take(ClassRows))
        {
            text.AppendLine($"{cls.Name} | {cls.GroundTruth} | {cls.Predictions}");
        }

        text.AppendLine();
        text.AppendLine("## Confidence histograms");
        foreach (var histogram in input.Histograms)
        {
            var buckets = histogram.Buckets.Select((count, i) => (count, i)).Where(b => b.count > 0)
                .Select(b => $"{AnalysisInput.BucketLabels[b.i]}: {b.count}").ToList();
            text.AppendLine($"{histogram.ErrorType}: {(buckets.Count == 0 ? "none" : string.Join(", ", buckets))}");
        }

        text.AppendLine();
        text.AppendLine($"## Most frequent tags per error type (distinct samples; top {TagsPerType})");
        foreach (var type in input.TagsByType)
        {
            var tags = type.Tags.Take(TagsPerType).Select(t => $"{t.Tag}: {t.Samples}").ToList();
            text.AppendLine($"{type.ErrorType} ({type.Samples} samples): {(tags.Count == 0 ? "no tags" : string.Join(", ", tags))}");
        }

        text.AppendLine();
        text.AppendLine("## Findings of the built-in analyst (JSON)");
        text.AppendLine(JsonSerializer.Serialize(builtInFindings, JsonSetup.Create()));
        text.AppendLine();
        text.AppendLine("Give specific, actionable recommendations grounded in these numbers.");
        return text.ToString();
    }
}
