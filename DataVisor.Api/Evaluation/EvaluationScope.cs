using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Evaluation;

/// <summary>One stored annotation as the algorithms of §6 see it.</summary>
public readonly record struct EvaluationBox(
    string CategoryName, double X, double Y, double Width, double Height, double Area, bool IsCrowd, double? Confidence, long Sequence)
{
    /// <summary>§6.1 effective confidence: null counts as 1.0 (D9).</summary>
    public double EffectiveConfidence => Confidence ?? 1.0;
}

/// <summary>A sample in scope with its ground truth (annotation order) and its predictions (prediction order, §6.1).</summary>
public sealed class EvaluationSample(string id, string sourceImageId, string? split)
{
    public string Id { get; } = id;
    public string SourceImageId { get; } = sourceImageId;
    public string? Split { get; } = split;
    public List<EvaluationBox> GroundTruth { get; } = [];
    public List<EvaluationBox> Predictions { get; } = [];
}

/// <summary>
/// Contract §6.1 scope: the dataset's samples (optionally one split) in evaluation order (§2.11), each with
/// its ground truth and the predictions of one source.
/// </summary>
public static class EvaluationScope
{
    public const string GroundTruth = "ground_truth";

    public static List<EvaluationSample> Load(DuckDBConnection connection, string datasetId, string source, string? split)
    {
        var samples = new List<EvaluationSample>();
        var byId = new Dictionary<string, EvaluationSample>(StringComparer.Ordinal);
        using (var command = connection.Prepare(
                   "SELECT id, source_image_id, split FROM samples WHERE dataset_id = $dataset_id AND ($split IS NULL OR split = $split)",
                   ("dataset_id", datasetId), ("split", split)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var sample = new EvaluationSample(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
                samples.Add(sample);
                byId[sample.Id] = sample;
            }
        }

        samples.Sort(EvaluationOrder.Comparer);
        using (var command = connection.Prepare(
                   """
                   SELECT sample_id, category_name, bbox_x, bbox_y, bbox_w, bbox_h, area, is_crowd, confidence, seq, source
                   FROM annotations
                   WHERE dataset_id = $dataset_id AND source IN ('ground_truth', $source)
                   ORDER BY seq
                   """,
                   ("dataset_id", datasetId), ("source", source)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (!byId.TryGetValue(reader.GetString(0), out var sample))
                {
                    continue;
                }

                var box = new EvaluationBox(
                    reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5),
                    reader.GetDouble(6), reader.GetBoolean(7), reader.IsDBNull(8) ? null : reader.GetDouble(8), reader.GetInt64(9));
                var rowSource = reader.GetString(10);
                if (rowSource == GroundTruth)
                {
                    sample.GroundTruth.Add(box);
                }

                // Evaluating `ground_truth` against itself is allowed (§4.6): the rows are then both.
                if (rowSource == source)
                {
                    sample.Predictions.Add(box);
                }
            }
        }

        foreach (var sample in samples)
        {
            // Stable: ties keep annotation order.
            var ordered = sample.Predictions.OrderByDescending(p => p.EffectiveConfidence).ToList();
            sample.Predictions.Clear();
            sample.Predictions.AddRange(ordered);
        }

        return samples;
    }

    /// <summary>§6.1 IoU; zero-size boxes never overlap.</summary>
    public static double Iou(in EvaluationBox a, in EvaluationBox b)
    {
        var iw = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X);
        var ih = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }

        var intersection = iw * ih;
        return intersection / (a.Width * a.Height + b.Width * b.Height - intersection);
    }
}
