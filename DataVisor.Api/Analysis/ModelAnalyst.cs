using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatResponseFormat = Microsoft.Extensions.AI.ChatResponseFormat;

namespace DataVisor.Api.Analysis;

/// <summary>R32's answer or its error status (contract §4.11): 200 with a report, 502 or 503 with a detail.</summary>
public sealed record AnalysisOutcome(AnalysisReport? Report, int StatusCode, string? Detail)
{
    public static AnalysisOutcome Answered(AnalysisReport report) => new(report, StatusCodes.Status200OK, null);

    public static AnalysisOutcome Failed(string reason) => new(null, StatusCodes.Status502BadGateway, $"Agent analysis failed: {reason}");

    public static AnalysisOutcome Unavailable(string detail) => new(null, StatusCodes.Status503ServiceUnavailable, detail);
}

/// <summary>
/// The optional language model (contract §6.12, D26) through <see cref="IChatClient"/> on the OpenAI
/// chat-completions protocol: one request with the rendered input and the built-in findings, JSON response
/// format, strict validation, one retry that tells the model what was wrong, then 502. Rejected
/// credentials are 503; a timeout or any other failure is 502.
/// </summary>
internal static class ModelAnalyst
{
    public static IChatClient CreateClient(AgentModelSettings settings)
    {
        var options = new OpenAIClientOptions
        {
            // One attempt per call: the retry rule is ours (§6.12), and the client's own back-off would eat the timeout.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = settings.Timeout + TimeSpan.FromSeconds(5),
        };
        if (settings.Endpoint is { } endpoint)
        {
            options.Endpoint = endpoint;
        }

        return new ChatClient(settings.Model, new ApiKeyCredential(settings.ApiKey!), options).AsIChatClient();
    }

    public static async Task<AnalysisOutcome> AnalyseAsync(
        IChatClient client, AgentModelSettings settings, string prompt, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        List<ChatMessage> messages = [new(ChatRole.System, AnalysisPrompt.Instructions), new(ChatRole.User, prompt)];
        var chatOptions = new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = 0 };
        try
        {
            string? problem = null;
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var response = await client.GetResponseAsync(messages, chatOptions, timeout.Token);
                (var report, problem) = ReportValidator.Read(response.Text);
                if (report is not null)
                {
                    return AnalysisOutcome.Answered(report);
                }

                messages.AddRange(response.Messages);
                messages.Add(new ChatMessage(ChatRole.User,
                    $"Your answer was rejected because {problem}. Answer again with only the JSON object in the schema."));
            }

            return AnalysisOutcome.Failed($"{problem} (after one retry)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AnalysisOutcome.Failed($"the model did not answer within {settings.Timeout.TotalSeconds:0} s");
        }
        catch (ClientResultException ex) when (ex.Status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)
        {
            return AnalysisOutcome.Unavailable(
                $"The agent provider '{settings.Provider}' rejected the credentials (HTTP {ex.Status}). {AgentModelSettings.ConfigureHint}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return AnalysisOutcome.Failed(FirstLine(ex.Message));
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
