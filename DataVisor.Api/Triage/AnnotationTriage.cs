using DataVisor.Api.Evaluation;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Triage;

/// <summary>One annotation of the sample with its id, as §6.9 needs it.</summary>
internal sealed record TriageBox(string Id, EvaluationBox Box);

/// <summary>R45 (§6.9): automatic per-annotation labels for one sample, with the stored overrides merged in.</summary>
public static class AnnotationTriage
{
    public const string Tp = "tp";
    public const string Fp = "fp";
    public const string Fn = "fn";
    public const string LabelError = "label_error";

    public static List<AnnotationTriageItem> Compute(DuckDBConnection connection, string datasetId, string sampleId, string source, double iouThreshold, double confThreshold)
    {
        if (connection.Scalar("SELECT dataset_type FROM datasets WHERE id = $id", ("id", datasetId)) is not string datasetType)
        {
            return [];
        }

        var groundTruth = new List<TriageBox>();
        var predictions = new List<TriageBox>();
        using (var command = connection.Prepare(
                   """
                   SELECT id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, confidence, seq, source
                   FROM annotations
                   WHERE dataset_id = $dataset_id AND sample_id = $sample_id AND source IN ('ground_truth', $source)
                   ORDER BY seq
                   """,
                   ("dataset_id", datasetId), ("sample_id", sampleId), ("source", source)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var box = new TriageBox(reader.GetString(0), new EvaluationBox(
                    reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5),
                    reader.GetDouble(6), reader.GetBoolean(7), reader.IsDBNull(8) ? null : reader.GetDouble(8), reader.GetInt64(9)));
                var rowSource = reader.GetString(10);
                if (rowSource == EvaluationScope.GroundTruth)
                {
                    groundTruth.Add(box);
                }

                if (rowSource == source)
                {
                    predictions.Add(box);
                }
            }
        }

        // Prediction order (§6.1): confidence descending, stable; predictions below the threshold are not listed.
        var kept = predictions.OrderByDescending(p => p.Box.EffectiveConfidence).Where(p => p.Box.EffectiveConfidence >= confThreshold).ToList();
        var auto = datasetType == "classification" ? Classification(kept, groundTruth) : Detection(kept, groundTruth, iouThreshold);

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = connection.Prepare(
                   "SELECT annotation_id, label FROM annotation_triage WHERE dataset_id = $dataset_id AND sample_id = $sample_id",
                   ("dataset_id", datasetId), ("sample_id", sampleId)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                overrides[reader.GetString(0)] = reader.GetString(1);
            }
        }

        return [.. auto.Select(item => overrides.TryGetValue(item.AnnotationId, out var label) ? item with { Label = label, IsOverride = true } : item)];
    }

    private static AnnotationTriageItem Item(string id, string label, string? matchedId, double? iou) => new(id, label, label, matchedId, iou, false);

    /// <summary>§6.9 detection: the §6.2 greedy matching, reporting the matched ids and IoUs.</summary>
    private static List<AnnotationTriageItem> Detection(List<TriageBox> predictions, List<TriageBox> groundTruth, double iouThreshold)
    {
        var boxes = groundTruth.Select(g => g.Box).ToList();
        var matches = new (string Id, double Iou)?[groundTruth.Count];
        var items = new List<AnnotationTriageItem>();
        foreach (var p in predictions)
        {
            var best = ErrorCategorizer.ArgmaxIou(p.Box, boxes);
            var iou = best >= 0 ? EvaluationScope.Iou(p.Box, boxes[best]) : 0;
            if (best >= 0 && iou >= iouThreshold && matches[best] is null)
            {
                matches[best] = (p.Id, iou);
                items.Add(Item(p.Id, boxes[best].CategoryName == p.Box.CategoryName ? Tp : LabelError, groundTruth[best].Id, iou));
            }
            else
            {
                items.Add(Item(p.Id, Fp, null, null));
            }
        }

        for (var g = 0; g < groundTruth.Count; g++)
        {
            items.Add(matches[g] is { } match ? Item(groundTruth[g].Id, Tp, match.Id, match.Iou) : Item(groundTruth[g].Id, Fn, null, null));
        }

        return items;
    }

    /// <summary>§6.9 classification: only the top-1 prediction can match (D18); IoU is never reported.</summary>
    private static List<AnnotationTriageItem> Classification(List<TriageBox> predictions, List<TriageBox> groundTruth)
    {
        var items = new List<AnnotationTriageItem>();
        string? matchedGroundTruth = null;
        for (var i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            if (i > 0 || groundTruth.Count == 0)
            {
                items.Add(Item(p.Id, Fp, null, null));
                continue;
            }

            var sameLabel = groundTruth.FindIndex(g => g.Box.CategoryName == p.Box.CategoryName);
            var target = groundTruth[sameLabel >= 0 ? sameLabel : 0];
            matchedGroundTruth = target.Id;
            items.Add(Item(p.Id, sameLabel >= 0 ? Tp : LabelError, target.Id, null));
        }

        foreach (var g in groundTruth)
        {
            items.Add(g.Id == matchedGroundTruth ? Item(g.Id, Tp, predictions[0].Id, null) : Item(g.Id, Fn, null, null));
        }

        return items;
    }
}
