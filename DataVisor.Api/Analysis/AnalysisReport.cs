namespace DataVisor.Api.Analysis;

/// <summary>One finding of R32 (contract §4.11): what is wrong, the numbers behind it, and whom it hits.</summary>
public sealed record ErrorPattern(string Pattern, string Evidence, string Severity, IReadOnlyList<string> AffectedClasses);

/// <summary>One action of R32; <see cref="Category"/> is one of <see cref="AnalysisVocabulary.Categories"/>.</summary>
public sealed record Recommendation(string Action, string Rationale, string Priority, string Category);

/// <summary>R32's 200 body, whichever analyst wrote it.</summary>
public sealed record AnalysisReport(IReadOnlyList<ErrorPattern> Patterns, IReadOnlyList<Recommendation> Recommendations, string Summary);

/// <summary>The schema's enumerations, enforced on every report (a model's answer included).</summary>
public static class AnalysisVocabulary
{
    public const string High = "high";
    public const string Medium = "medium";
    public const string Low = "low";

    public const string DataCollection = "data_collection";
    public const string Augmentation = "augmentation";
    public const string Labeling = "labeling";
    public const string Architecture = "architecture";
    public const string Hyperparameter = "hyperparameter";

    public static readonly string[] Levels = [High, Medium, Low];

    public static readonly string[] Categories = [DataCollection, Augmentation, Labeling, Architecture, Hyperparameter];

    /// <summary>Orders severities and priorities high first.</summary>
    public static int Rank(string level) => Array.IndexOf(Levels, level);
}
