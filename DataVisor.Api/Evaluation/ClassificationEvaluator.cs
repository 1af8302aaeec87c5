namespace DataVisor.Api.Evaluation;

/// <summary>
/// R19 for classification datasets (contract §6.7): each sample with ground truth is evaluated once, with
/// its top-1 passing prediction (D18); a missing prediction counts as wrong.
/// </summary>
public static class ClassificationEvaluator
{
    public static ClassificationEvaluation Evaluate(IReadOnlyList<EvaluationSample> samples, double confThreshold)
    {
        // The same entries as R20, R21 and R44 (D2): a missing prediction has no predicted class.
        var outcomes = ErrorCategorizer.Classification(samples, confThreshold)
            .Select(entry => (Truth: entry.CategoryName, Predicted: entry.PredictedClass))
            .ToList();

        var (labels, index) = OrdinalText.DistinctSorted(
            outcomes.Select(o => o.Truth).Concat(outcomes.Where(o => o.Predicted is not null).Select(o => o.Predicted!)));

        var matrix = new long[labels.Length][];
        for (var i = 0; i < labels.Length; i++)
        {
            matrix[i] = new long[labels.Length];
        }

        var missing = new long[labels.Length];
        foreach (var (truth, predicted) in outcomes)
        {
            if (predicted is null)
            {
                missing[index[truth]]++;
            }
            else
            {
                matrix[index[truth]][index[predicted]]++;
            }
        }

        long correct = 0;
        var perClass = new ClassificationClassMetrics[labels.Length];
        double f1Sum = 0, weightedSum = 0;
        long supportSum = 0;
        for (var c = 0; c < labels.Length; c++)
        {
            correct += matrix[c][c];
            long predictedAs = 0, support = missing[c];
            for (var a = 0; a < labels.Length; a++)
            {
                predictedAs += matrix[a][c];
                support += matrix[c][a];
            }

            var precision = Ratio(matrix[c][c], predictedAs);
            var recall = Ratio(matrix[c][c], support);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1Sum += f1;
            weightedSum += f1 * support;
            supportSum += support;
            perClass[c] = new ClassificationClassMetrics(labels[c], Round(precision), Round(recall), Round(f1), support);
        }

        return new ClassificationEvaluation(
            "classification",
            Round(Ratio(correct, outcomes.Count)),
            Round(labels.Length == 0 ? 0 : f1Sum / labels.Length),
            Round(supportSum == 0 ? 0 : weightedSum / supportSum),
            perClass,
            matrix,
            labels,
            confThreshold);
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    /// <summary>Floats are rounded to 4 decimals only when written (§6.7).</summary>
    private static double Round(double value) => Math.Round(value, 4, MidpointRounding.ToEven);
}
