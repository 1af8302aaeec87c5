using DataVisor.Api.Configuration;

namespace DataVisor.Api.Analysis;

/// <summary>
/// <c>DATAVISOR_AGENT_MODEL</c> read as <c>builtin</c> or <c>&lt;provider&gt;:&lt;model&gt;</c> (contract §8). Both
/// providers speak the OpenAI chat-completions protocol; Gemini through its OpenAI-compatible endpoint.
/// </summary>
public sealed record AgentModelSettings(string Provider, string Model, Uri? Endpoint, string? ApiKey, TimeSpan Timeout)
{
    public const string BuiltIn = "builtin";

    private static readonly Dictionary<string, (string KeyVariable, Uri? Endpoint)> Providers = new(StringComparer.Ordinal)
    {
        ["openai"] = ("OPENAI_API_KEY", null),
        ["google-gla"] = ("GEMINI_API_KEY", new Uri("https://generativelanguage.googleapis.com/v1beta/openai/")),
    };

    /// <summary>The 503 text of §4.11 after its reason.</summary>
    public const string ConfigureHint = "Configure DATAVISOR_AGENT_MODEL and the corresponding API key (e.g., GEMINI_API_KEY).";

    /// <summary>
    /// Null settings and no problem: the built-in analyst answers (also when the provider's key is missing).
    /// A problem: the provider is unknown, which §4.11 answers with 503.
    /// </summary>
    public static (AgentModelSettings? Settings, string? Problem) Resolve(DataVisorOptions options, IConfiguration configuration)
    {
        var configured = options.AgentModel.Trim();
        if (configured.Equals(BuiltIn, StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }

        var colon = configured.IndexOf(':', StringComparison.Ordinal);
        var provider = colon > 0 ? configured[..colon] : configured;
        var model = colon > 0 ? configured[(colon + 1)..] : "";
        if (!Providers.TryGetValue(provider, out var known))
        {
            return (null, $"Unknown agent model provider '{provider}' in '{configured}'. {ConfigureHint}");
        }

        if (model.Length == 0)
        {
            return (null, $"Agent model '{configured}' names no model (expected <provider>:<model>). {ConfigureHint}");
        }

        var key = configuration[known.KeyVariable];
        if (string.IsNullOrWhiteSpace(key))
        {
            return (null, null);
        }

        var endpoint = options.AgentBaseUrl is { } baseUrl ? new Uri(baseUrl) : known.Endpoint;
        return (new AgentModelSettings(provider, model, endpoint, key.Trim(), TimeSpan.FromSeconds(options.AgentTimeoutSeconds)), null);
    }
}
