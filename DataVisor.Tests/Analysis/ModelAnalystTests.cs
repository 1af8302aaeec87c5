using System.Net;
using DataVisor.Tests.Editing;

namespace DataVisor.Tests.Analysis;

/// <summary>
/// R32 with a configured language model (contract §4.11, §6.12, D26) against <see cref="FakeChatServer"/>:
/// the API's real OpenAI client through Microsoft.Extensions.AI, pointed at loopback.
/// </summary>
public sealed class ModelAnalystTests : IAsyncLifetime
{
    private const string ValidReport = """
        {"patterns": [{"pattern": "Cats are mistaken for dogs", "evidence": "1 of 1 label errors", "severity": "medium", "affected_classes": ["cat", "dog"]}],
         "recommendations": [{"action": "Relabel the cat boxes", "rationale": "The only label error is cat/dog", "priority": "low", "category": "labeling"}],
         "summary": "One label error.", "confidence_of_model": 0.9}
        """;

    private const string ValidReportOnTheWire =
        """{"patterns":[{"pattern":"Cats are mistaken for dogs","evidence":"1 of 1 label errors","severity":"medium","affected_classes":["cat","dog"]}],"recommendations":[{"action":"Relabel the cat boxes","rationale":"The only label error is cat/dog","priority":"low","category":"labeling"}],"summary":"One label error."}""";

    private FakeChatServer _server = null!;
    private EditingTestBed? _bed;

    public async Task InitializeAsync() => _server = await FakeChatServer.StartAsync();

    public async Task DisposeAsync()
    {
        _bed?.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>The small COCO dataset with run <c>r</c> (1 TP, 1 label error, 2 hard FPs, 1 FN), on an API with these settings.</summary>
    /// <remarks>
    /// The timeout is generous except where a test waits for it: the first call JITs the OpenAI client,
    /// which took over a second on a loaded 2-core machine and turned a valid answer into a 502.
    /// </remarks>
    private async Task<string> DatasetAsync(
        string agentModel = "openai:fake-model", string? apiKey = "test-key", string? geminiKey = null, int timeoutSeconds = 30)
    {
        _bed = new EditingTestBed(new Dictionary<string, string?>
        {
            ["DATAVISOR_AGENT_MODEL"] = agentModel,
            ["DATAVISOR_AGENT_BASE_URL"] = _server.BaseUrl,
            ["DATAVISOR_AGENT_TIMEOUT_SECONDS"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OPENAI_API_KEY"] = apiKey ?? "",
            ["GEMINI_API_KEY"] = geminiKey ?? "",
        });
        var datasetId = await _bed.IngestSmallCocoAsync();
        var path = _bed.Bed.WriteFile("r.json", """
            [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.9},
             {"image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "score": 0.8},
             {"image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.5},
             {"image_id": 3, "category_id": 2, "bbox": [0, 0, 4, 4], "score": 0.3}]
            """);
        var imported = await _bed.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/predictions", new { prediction_path = path, run_name = "r", format = "coco" });
        Assert.Equal(HttpStatusCode.OK, imported.Status);
        return datasetId;
    }

    private Task<JsonAnswer> AnalyseAsync(string datasetId) =>
        _bed!.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/analyze", """{"source": "r"}""");

    [Fact]
    public async Task ValidAnswer_PassesThrough_AndTheModelSawTheInputAndFindings()
    {
        _server.ReplyWith(ValidReport);
        var datasetId = await DatasetAsync();

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(ValidReportOnTheWire, answer.Text);
        var request = Assert.Single(_server.Requests.Select((_, i) => _server.Request(i)));
        Assert.Equal("fake-model", request.GetProperty("model").GetString());
        Assert.Equal("json_object", request.GetProperty("response_format").GetProperty("type").GetString());
        var prompt = request.GetProperty("messages")[1].GetProperty("content").GetString()!;
        Assert.Contains($"Dataset {datasetId} (detection), source 'r', IoU threshold 0.5, confidence threshold 0.25", prompt);
        Assert.Contains("true_positives: 1\nhard_false_positives: 2\nlabel_errors: 1\nfalse_negatives: 1", prompt.ReplaceLineEndings("\n"));
        Assert.Contains("cat | 2 | 2", prompt);
        Assert.Contains("hard_fp: [0.3, 0.5): 1, [0.5, 0.7): 1", prompt);
        Assert.Contains("## Findings of the built-in analyst (JSON)", prompt);
    }

    [Fact]
    public async Task GeminiProvider_UsesTheGeminiKeyAndModel()
    {
        _server.ReplyWith(ValidReport);
        var datasetId = await DatasetAsync(agentModel: "google-gla:gemini-2.0-flash", apiKey: null, geminiKey: "gemini-key");

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(ValidReportOnTheWire, answer.Text);
        Assert.Equal(["Bearer gemini-key"], _server.Authorizations);
        Assert.Equal("gemini-2.0-flash", _server.Request(0).GetProperty("model").GetString());
    }

    [Fact]
    public async Task InvalidJsonThenValid_Answers200AfterOneRetry()
    {
        _server.ReplyWith("Sure! Here are the patterns: {").ReplyWith(ValidReport);
        var datasetId = await DatasetAsync();

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(ValidReportOnTheWire, answer.Text);
        Assert.Equal(2, _server.Requests.Count);
        var retry = _server.Request(1).GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString()!;
        Assert.StartsWith("Your answer was rejected because the model's answer is not valid JSON", retry);
    }

    [Fact]
    public async Task InvalidTwice_Answers502()
    {
        _server.ReplyWith(ValidReport.Replace("\"medium\"", "\"critical\"", StringComparison.Ordinal));
        var datasetId = await DatasetAsync();

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.BadGateway, answer.Status);
        Assert.Equal(
            "Agent analysis failed: the model's answer does not fit the schema: patterns[0].severity must be one of high, medium, low (got 'critical') (after one retry)",
            answer.Detail);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task SlowModel_TimesOutWith502()
    {
        _server.ReplyNever();
        var datasetId = await DatasetAsync(timeoutSeconds: 1);

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.BadGateway, answer.Status);
        Assert.Equal("Agent analysis failed: the model did not answer within 1 s", answer.Detail);
    }

    [Fact]
    public async Task RejectedCredentials_Answer503()
    {
        _server.ReplyStatus(401);
        var datasetId = await DatasetAsync();

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal(
            "The agent provider 'openai' rejected the credentials (HTTP 401). Configure DATAVISOR_AGENT_MODEL and the corresponding API key (e.g., GEMINI_API_KEY).",
            answer.Detail);
    }

    [Fact]
    public async Task ServerError_Answers502()
    {
        _server.ReplyStatus(500);
        var datasetId = await DatasetAsync();

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.BadGateway, answer.Status);
        Assert.StartsWith("Agent analysis failed: ", answer.Detail);
        Assert.Single(_server.Requests);
    }

    [Theory]
    [InlineData("acme:model-1", "Unknown agent model provider 'acme' in 'acme:model-1'.")]
    [InlineData("openai", "Agent model 'openai' names no model (expected <provider>:<model>).")]
    public async Task UnknownProvider_Answers503_AfterThe404s(string agentModel, string reason)
    {
        var datasetId = await DatasetAsync(agentModel);

        var unknownSource = await _bed!.SendAsync(HttpMethod.Post, $"/datasets/{datasetId}/analyze", """{"source": "nope"}""");
        Assert.Equal(HttpStatusCode.NotFound, unknownSource.Status);

        var answer = await AnalyseAsync(datasetId);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal($"{reason} Configure DATAVISOR_AGENT_MODEL and the corresponding API key (e.g., GEMINI_API_KEY).", answer.Detail);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task ProviderWithoutKey_FallsBackToTheBuiltInAnalyst()
    {
        _server.ReplyWith(ValidReport);
        var datasetId = await DatasetAsync(apiKey: null);

        var answer = await AnalyseAsync(datasetId);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.StartsWith("Analysed 3 images for source 'r' at IoU 0.5 and confidence 0.25: 1 true positive, 2 hard false positives, 1 label error, 1 false negative.", answer.Json.GetProperty("summary").GetString());
        Assert.Empty(_server.Requests);
    }
}
