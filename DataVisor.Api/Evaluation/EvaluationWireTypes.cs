using System.Text.Json.Serialization;

namespace DataVisor.Api.Evaluation;

public sealed record PrPoint(double Recall, double Precision, double Confidence);

public sealed record PrCurve(string ClassName, IReadOnlyList<PrPoint> Points, double Ap);

public sealed record ApMetrics(double Map50, double Map75, [property: JsonPropertyName("map50_95")] double Map50To95);

public sealed record DetectionClassMetrics(
    string ClassName, double Ap50, double Ap75, [property: JsonPropertyName("ap50_95")] double Ap50To95, double Precision, double Recall);

/// <summary>R19 for a detection dataset (contract §4.6).</summary>
public sealed record DetectionEvaluation(
    string EvaluationType,
    IReadOnlyList<PrCurve> PrCurves,
    ApMetrics ApMetrics,
    IReadOnlyList<DetectionClassMetrics> PerClassMetrics,
    long[][] ConfusionMatrix,
    IReadOnlyList<string> ConfusionMatrixLabels,
    double IouThreshold,
    double ConfThreshold);

public sealed record ClassificationClassMetrics(string ClassName, double Precision, double Recall, double F1, long Support);

/// <summary>R19 for a classification dataset (contract §4.6, §6.7).</summary>
public sealed record ClassificationEvaluation(
    string EvaluationType,
    double Accuracy,
    double MacroF1,
    double WeightedF1,
    IReadOnlyList<ClassificationClassMetrics> PerClassMetrics,
    long[][] ConfusionMatrix,
    IReadOnlyList<string> ConfusionMatrixLabels,
    double ConfThreshold);
