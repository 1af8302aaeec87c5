using System.ClientModel;
using System.ClientModel.Primitives;
using DataVisor.Api.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using SkiaSharp;

namespace DataVisor.Api.AutoTagging;

/// <summary>What the model said about one image: the kept words, and whether any call failed.</summary>
internal readonly record struct ModelAnswers(IReadOnlyList<string> Words, bool Failed);

/// <summary>
/// The optional vision-language model (§6.13, D27): an OpenAI-compatible endpoint
/// (<c>DATAVISOR_VLM_BASE_URL</c>, model <c>DATAVISOR_VLM_MODEL</c>) asked one question per dimension the
/// built-in tagger cannot measure (setting, weather, density), with the image attached as a JPEG of the
/// working-size picture. Answers outside the vocabulary are dropped. A failing call is the image's
/// failure only: the caller logs and counts it, and the built-in words still apply.
/// </summary>
/// <remarks>
/// <c>DATAVISOR_VLM_DEVICE</c> is accepted (§8) but changes nothing here: the model runs behind its
/// endpoint, and the built-in tagger's measurements are cheap enough for the CPU.
/// </remarks>
internal sealed partial class VisionLanguageTagger : IDisposable
{
    // Large enough for a word and the odd trailing explanation, small enough to keep answers cheap.
    private const int MaxAnswerTokens = 16;
    private const int JpegQuality = 85;

    private static readonly Dictionary<TagDimension, string> Questions = new()
    {
        [AutoTagVocabulary.Setting] = "Is this image taken indoors or outdoors? Answer with exactly one word: indoor or outdoor.",
        [AutoTagVocabulary.Weather] = "What are the weather and light conditions in this image? Answer with exactly one word: sunny, cloudy, rainy, foggy, snowy, night or day.",
        [AutoTagVocabulary.Density] = "How crowded with objects is this scene? Answer with exactly one word: empty, sparse, moderate or crowded.",
    };

    private readonly IChatClient? _chat;
    private readonly ILogger<VisionLanguageTagger> _logger;

    public VisionLanguageTagger(IOptions<DataVisorOptions> options, IConfiguration configuration, ILogger<VisionLanguageTagger> logger)
    {
        _logger = logger;
        var settings = options.Value;
        if (settings.VlmModel is not { } model)
        {
            return;
        }

        var configuredKey = configuration["OPENAI_API_KEY"] is { Length: > 0 } key ? key : null;
        if (settings.VlmBaseUrl is null && configuredKey is null)
        {
            // OpenAI itself needs a key: without one every call would fail, so the model is off, as R32 falls
            // back to its built-in analyst when credentials are missing.
            LogModelWithoutCredentials(logger, model);
            return;
        }

        // Local OpenAI-compatible servers need no key; the client insists on a non-empty one.
        var apiKey = configuredKey ?? "unused";
        var clientOptions = new OpenAIClientOptions
        {
            NetworkTimeout = TimeSpan.FromSeconds(120),
            // One retry for a transient failure; more would hold the job on a dead endpoint.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 1),
        };
        if (settings.VlmBaseUrl is { } baseUrl)
        {
            clientOptions.Endpoint = new Uri(baseUrl);
        }

        _chat = new OpenAIClient(new ApiKeyCredential(apiKey), clientOptions).GetChatClient(model).AsIChatClient();
        ModelName = model;
    }

    public bool IsConfigured => _chat is not null;

    public string? ModelName { get; }

    /// <summary>
    /// Asks every model dimension about <paramref name="image"/>. After a failed call the image's remaining
    /// questions are skipped (the endpoint is likely down for all of them).
    /// </summary>
    public async Task<ModelAnswers> AskAsync(string sampleId, SKBitmap image, CancellationToken cancellationToken)
    {
        if (_chat is null)
        {
            return new ModelAnswers([], Failed: false);
        }

        byte[] jpeg;
        using (var encoded = image.Encode(SKEncodedImageFormat.Jpeg, JpegQuality))
        {
            jpeg = encoded.ToArray();
        }

        var words = new List<string>(AutoTagVocabulary.ModelDimensions.Count);
        foreach (var dimension in AutoTagVocabulary.ModelDimensions)
        {
            ChatResponse response;
            try
            {
                ChatMessage question = new(ChatRole.User, [new TextContent(Questions[dimension]), new DataContent(jpeg, "image/jpeg")]);
                response = await _chat.GetResponseAsync([question], new ChatOptions { Temperature = 0, MaxOutputTokens = MaxAnswerTokens }, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogModelFailed(_logger, sampleId, dimension.Name, ex);
                return new ModelAnswers(words, Failed: true);
            }

            if (dimension.Normalise(response.Text) is { } word)
            {
                words.Add(word);
            }
            else
            {
                LogAnswerDropped(_logger, sampleId, dimension.Name, response.Text);
            }
        }

        return new ModelAnswers(words, Failed: false);
    }

    public void Dispose() => _chat?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "DATAVISOR_VLM_MODEL is {Model} but neither DATAVISOR_VLM_BASE_URL nor OPENAI_API_KEY is set: auto-tagging uses the built-in tagger only")]
    private static partial void LogModelWithoutCredentials(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The vision-language model failed on sample {SampleId} ({Dimension}); its built-in tags still apply")]
    private static partial void LogModelFailed(ILogger logger, string sampleId, string dimension, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped the model's {Dimension} answer for sample {SampleId}: '{Answer}' is not in the vocabulary")]
    private static partial void LogAnswerDropped(ILogger logger, string sampleId, string dimension, string answer);
}
