namespace DataVisor.Api.Analysis;

internal static partial class AnalysisLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis of dataset {DatasetId} answered by {Analyst}: {PatternCount} patterns, {RecommendationCount} recommendations")]
    public static partial void Answered(ILogger logger, string datasetId, string analyst, int patternCount, int recommendationCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent model {AgentModel} has no API key; the built-in analyst answers")]
    public static partial void NoCredentials(ILogger logger, string agentModel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis of dataset {DatasetId} by {Analyst} failed with {StatusCode}: {Detail}")]
    public static partial void Failed(ILogger logger, string datasetId, string analyst, int statusCode, string detail);
}
