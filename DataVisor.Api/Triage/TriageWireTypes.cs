namespace DataVisor.Api.Triage;

/// <summary>R20 (contract §4.6).</summary>
public sealed record ConfusionCellSamples(string ActualClass, string PredictedClass, IReadOnlyList<string> SampleIds, int Count);

public sealed record ErrorSummary(long TruePositives, long HardFalsePositives, long LabelErrors, long FalseNegatives);

public sealed record ClassErrorCounts(string ClassName, long Tp, long HardFp, long LabelError, long Fn);

public sealed record ErrorSample(string SampleId, string ErrorType, string CategoryName, double? Confidence);

/// <summary>R21 (contract §4.6): counts uncapped, lists capped at 50 per type.</summary>
public sealed record ErrorAnalysis(ErrorSummary Summary, IReadOnlyList<ClassErrorCounts> PerClass, IReadOnlyDictionary<string, IReadOnlyList<ErrorSample>> SamplesByType);

public sealed record WorstImage(string SampleId, long ErrorCount, double ConfidenceSpread, double Score);

/// <summary>R44 (contract §4.7).</summary>
public sealed record WorstImages(IReadOnlyList<WorstImage> Items);
