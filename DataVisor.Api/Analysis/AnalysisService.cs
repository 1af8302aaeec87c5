using System.Diagnostics;
using DataVisor.Api.Configuration;
using DataVisor.Api.Storage;
using DataVisor.Api.Telemetry;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Analysis;

/// <summary>
/// R32 end to end: the dataset and source checks, the input, the built-in findings, and — when a model is
/// configured with credentials — the model's report built on them.
/// </summary>
internal sealed class AnalysisService(
    DuckDbDatabase database,
    LeakageScanner leakage,
    IOptions<DataVisorOptions> options,
    IConfiguration configuration,
    ILogger<AnalysisService> logger)
{
    /// <summary>
    /// Null outcome and a detail when the dataset or the source does not exist (§4.11's 404s, in that order);
    /// then 503 for an unknown provider; otherwise the report or the model's 502/503.
    /// </summary>
    public async Task<(AnalysisOutcome? Outcome, string? NotFound)> AnalyseAsync(string datasetId, AnalyzeRequest request, CancellationToken cancellationToken)
    {
        using var activity = DataVisorTelemetry.ActivitySource.StartActivity("analysis");
        activity?.SetTag("datavisor.dataset_id", datasetId);
        activity?.SetTag("datavisor.evaluation.source", request.Source);
        activity?.SetTag("datavisor.evaluation.iou_threshold", request.IouThreshold);
        activity?.SetTag("datavisor.evaluation.conf_threshold", request.ConfThreshold);
        AnalysisInput input;
        AgentModelSettings? settings;
        using (var connection = database.OpenConnection())
        {
            if (connection.Scalar("SELECT dataset_type FROM datasets WHERE id = $id", ("id", datasetId)) is not string datasetType)
            {
                return (null, "Dataset not found");
            }

            if (connection.Scalar("SELECT 1 FROM annotations WHERE dataset_id = $id AND source = $source LIMIT 1",
                    ("id", datasetId), ("source", request.Source)) is null)
            {
                return (null, $"No annotations found for source '{request.Source}'");
            }

            (settings, var problem) = AgentModelSettings.Resolve(options.Value, configuration);
            if (problem is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, problem);
                AnalysisLog.Failed(logger, datasetId, options.Value.AgentModel, StatusCodes.Status503ServiceUnavailable, problem);
                return (AnalysisOutcome.Unavailable(problem), null);
            }

            input = AnalysisInputBuilder.Build(connection, datasetId, datasetType == "classification", request, samples => leakage.Scan(datasetId, samples));
        }

        // The connection is back before a model call that may take tens of seconds.
        return (await AnswerAsync(input, settings, activity, cancellationToken), null);
    }

    private async Task<AnalysisOutcome> AnswerAsync(AnalysisInput input, AgentModelSettings? settings, Activity? activity, CancellationToken cancellationToken)
    {
        var builtIn = BuiltInAnalyst.Analyse(input);
        activity?.SetTag("datavisor.analysis.builtin_patterns", builtIn.Patterns.Count);
        activity?.SetTag("datavisor.analysis.leakage", input.Leakage is null ? "none" : input.Leakage.SkippedReason ?? $"{input.Leakage.Pairs} pairs");
        if (settings is null)
        {
            if (!options.Value.AgentModel.Equals(AgentModelSettings.BuiltIn, StringComparison.OrdinalIgnoreCase))
            {
                AnalysisLog.NoCredentials(logger, options.Value.AgentModel);
            }

            return Answered(input, AgentModelSettings.BuiltIn, AnalysisOutcome.Answered(builtIn), activity);
        }

        var analyst = $"{settings.Provider}:{settings.Model}";
        using var client = ModelAnalyst.CreateClient(settings);
        var outcome = await ModelAnalyst.AnalyseAsync(client, settings, AnalysisPrompt.Render(input, builtIn), cancellationToken);
        return Answered(input, analyst, outcome, activity);
    }

    private AnalysisOutcome Answered(AnalysisInput input, string analyst, AnalysisOutcome outcome, Activity? activity)
    {
        activity?.SetTag("datavisor.analysis.analyst", analyst);
        activity?.SetTag("datavisor.analysis.status_code", outcome.StatusCode);
        if (outcome.Report is { } report)
        {
            activity?.SetTag("datavisor.analysis.patterns", report.Patterns.Count);
            activity?.SetTag("datavisor.analysis.recommendations", report.Recommendations.Count);
            AnalysisLog.Answered(logger, input.DatasetId, analyst, report.Patterns.Count, report.Recommendations.Count);
        }
        else
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Detail);
            AnalysisLog.Failed(logger, input.DatasetId, analyst, outcome.StatusCode, outcome.Detail ?? "");
        }

        return outcome;
    }
}
