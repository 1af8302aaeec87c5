using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.Embeddings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataVisor.Tests.EmbeddingJobs;

/// <summary>User-supplied models under DATAVISOR_MODELS_DIR (§6.10, §8; format in docs/EMBEDDING-MODELS.md), through HTTP.</summary>
public sealed class UserModelTests
{
    private const string CopiedModel = "copied-resnet";

    [Fact]
    public async Task A_copy_of_the_built_in_weights_gives_the_built_in_vectors_and_broken_folders_are_skipped_with_a_log_line()
    {
        var logs = new WarningCollector();
        using var bed = new EmbeddingJobTestBed(configure: services => services.AddSingleton<ILoggerProvider>(logs));
        var modelsDirectory = bed.Temp.Combine("state", "models");
        WriteCopiedModel(Path.Combine(modelsDirectory, "copy"));
        var malformed = Directory.CreateDirectory(Path.Combine(modelsDirectory, "malformed")).FullName;
        await File.WriteAllTextAsync(Path.Combine(malformed, "model.json"), "{ \"name\": \"half-written\", ");
        var datasetId = await bed.IngestAsync([.. Enumerable.Range(0, 3).Select(group => ($"g{group}.png", (SkiaSharp.SKBitmap?)EmbeddingJobTestBed.DrawGroupImage(group, 0)))]);

        var unknown = await bed.GenerateAsync(datasetId, new { model_name = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(
            $"Unknown embedding model 'nope'. Available models: resnet18-imagenet, {CopiedModel}",
            (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var skipped = Assert.Single(logs.Warnings, line => line.Contains(malformed, StringComparison.Ordinal));
        Assert.Contains("not valid JSON", skipped, StringComparison.Ordinal);

        var builtIn = await GenerateAndReadVectorsAsync(bed, datasetId, EmbeddingModelRegistry.BuiltInModelName);
        var copied = await GenerateAndReadVectorsAsync(bed, datasetId, CopiedModel);

        Assert.Equal(CopiedModel, (await bed.StatusAsync(datasetId)).GetProperty("model_name").GetString());
        Assert.Equal(builtIn.SampleIds, copied.SampleIds);
        Assert.Equal(3 * 512, copied.Vectors.Length);
        for (var index = 0; index < builtIn.Vectors.Length; index++)
        {
            Assert.Equal(builtIn.Vectors[index], copied.Vectors[index], 1e-6f);
        }

        // Listed once per folder version, not on every lookup.
        await bed.GenerateAsync(datasetId, new { model_name = "nope" });
        Assert.Single(logs.Warnings, line => line.Contains(malformed, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Per_channel_preprocessing_is_accepted_and_weights_that_fail_to_load_fail_the_job_not_the_request()
    {
        using var bed = new EmbeddingJobTestBed();
        var folder = Directory.CreateDirectory(bed.Temp.Combine("state", "models", "garbage")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, "model.onnx"), [1, 2, 3, 4, 5]);
        await File.WriteAllTextAsync(Path.Combine(folder, "model.json"), """
            {"name": "garbage-weights", "architecture": "resnet18", "dimension": 512,
             "preprocessing": {"size": 224, "channel_order": "rgb", "mean": [123.7, 116.3, 103.5], "std": [58.4, 57.1, 57.4]}}
            """);
        var datasetId = await bed.IngestAsync([("one.png", EmbeddingJobTestBed.DrawGroupImage(0, 0))]);
        Assert.Contains(
            bed.Api.Services.GetRequiredService<EmbeddingModelRegistry>().Models,
            model => model is { Name: "garbage-weights", Dimension: 512 } && model.Preprocessing.Contains("RGB 0-255, minus mean [123.7, 116.3, 103.5]", StringComparison.Ordinal));

        var generate = await bed.GenerateAsync(datasetId, new { model_name = "garbage-weights" });

        Assert.Equal(HttpStatusCode.Accepted, generate.StatusCode);
        var last = (await bed.ReadProgressAsync(datasetId))[^1].Data;
        Assert.Equal("error", last.GetProperty("status").GetString());
        Assert.StartsWith(
            $"Embedding generation failed: Embedding model 'garbage-weights' could not be loaded from {folder}: ",
            last.GetProperty("message").GetString(),
            StringComparison.Ordinal);
        Assert.False((await bed.StatusAsync(datasetId)).GetProperty("has_embeddings").GetBoolean());
    }

    [Fact]
    public void Manifests_are_checked_before_anything_is_loaded()
    {
        using var temp = new Infrastructure.TempDirectory("datavisor-usermodels");
        var folder = Directory.CreateDirectory(temp.Combine("m")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), [0]);
        string Problem(string json)
        {
            File.WriteAllText(Path.Combine(folder, "model.json"), json);
            return Assert.Throws<InvalidDataException>(() => UserModelManifest.Read(folder)).Message;
        }

        Assert.Contains("architecture 'resnet50' is not supported", Problem("""{"architecture": "resnet50", "preprocessing": {"mean": [0, 0, 0]}}"""), StringComparison.Ordinal);
        Assert.Contains("dimension must be 512", Problem("""{"dimension": 2048, "preprocessing": {"mean": [0, 0, 0]}}"""), StringComparison.Ordinal);
        Assert.Contains("'preprocessing' is required", Problem("{}"), StringComparison.Ordinal);
        Assert.Contains("preprocessing.size must be 224", Problem("""{"preprocessing": {"size": 299, "mean": [0, 0, 0]}}"""), StringComparison.Ordinal);
        Assert.Contains("preprocessing.std values must be positive", Problem("""{"preprocessing": {"mean": [0, 0, 0], "std": [1, 0, 1]}}"""), StringComparison.Ordinal);
        Assert.Contains("must be a file inside the model's folder", Problem("""{"weights": "../other.onnx", "preprocessing": {"mean": [0, 0, 0]}}"""), StringComparison.Ordinal);
        Assert.Contains("name 'a b' must be", Problem("""{"name": "a b", "preprocessing": {"mean": [0, 0, 0]}}"""), StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(folder, "model.json"), """{"preprocessing": {"mean": [1, 2, 3]}}""");
        var manifest = UserModelManifest.Read(folder);
        Assert.Equal("m", manifest.Name);
        Assert.Equal(Path.Combine(folder, "model.onnx"), manifest.WeightsPath);
        Assert.False(manifest.Bgr);
        Assert.Equal([1f, 1f, 1f], manifest.Std);
    }

    /// <summary>The shipped ResNet18 weights and preprocessing graph under new file names, with a manifest.</summary>
    private static void WriteCopiedModel(string folder)
    {
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(EmbeddingModelRegistry.DefaultBuiltInModelDirectory, "ResNet18.onnx"), Path.Combine(folder, "weights.onnx"));
        File.Copy(Path.Combine(EmbeddingModelRegistry.DefaultBuiltInModelDirectory, "ResNetPreprocess.onnx"), Path.Combine(folder, "preprocess.onnx"));
        File.WriteAllText(Path.Combine(folder, "model.json"), $$$"""
            {"name": "{{{CopiedModel}}}", "architecture": "resnet18", "dimension": 512, "weights": "weights.onnx",
             "preprocessing": {"size": 224, "onnx": "preprocess.onnx"}}
            """);
    }

    private static async Task<ActiveVectors> GenerateAndReadVectorsAsync(EmbeddingJobTestBed bed, string datasetId, string modelName)
    {
        var generate = await bed.GenerateAsync(datasetId, new { model_name = modelName });
        Assert.Equal(HttpStatusCode.Accepted, generate.StatusCode);
        var last = (await bed.ReadProgressAsync(datasetId))[^1].Data;
        Assert.Equal("Generated 3 embeddings", last.GetProperty("message").GetString());
        var vectors = bed.Api.Services.GetRequiredService<EmbeddingStore>().LoadActiveVectors(datasetId);
        Assert.NotNull(vectors);
        Assert.Equal(modelName, vectors.ModelName);
        return vectors;
    }

    /// <summary>Warning-level log lines, formatted.</summary>
    private sealed class WarningCollector : ILoggerProvider
    {
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_warnings)
                {
                    return [.. _warnings];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Collector(this);

        public void Dispose()
        {
        }

        private sealed class Collector(WarningCollector owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel == LogLevel.Warning)
                {
                    lock (owner._warnings)
                    {
                        owner._warnings.Add(formatter(state, exception));
                    }
                }
            }
        }
    }
}
