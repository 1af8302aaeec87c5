using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Api.Plugins;
using DataVisor.Plugins;
using DataVisor.Plugins.Example;
using DataVisor.Tests.Infrastructure;
using DataVisor.Tests.Ingestion;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static DataVisor.Tests.Wizard.WizardFolders;

namespace DataVisor.Tests.Plugins;

/// <summary>
/// Ingest plugins: discovered under DATAVISOR_PLUGIN_DIR in their own load context, their hooks change
/// what an ingest stores, and a failing plugin is isolated (never fatal to the ingest or the service).
/// </summary>
public sealed class PluginTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private string PluginDirectory => _bed.Temp.Combine("state", "plugins");

    /// <summary>Drops the example plugin's build output into the plugin folder, as the README tells users to.</summary>
    private void InstallExamplePlugin()
    {
        var target = Folder(PluginDirectory, "DataVisor.Plugins.Example");
        var assembly = typeof(LandscapeTagger).Assembly.Location;
        File.Copy(assembly, Path.Combine(target, Path.GetFileName(assembly)));
    }

    /// <summary>Two landscape images, one portrait, one square, in a COCO file; returns its path.</summary>
    private string WriteOrientedCoco()
    {
        TestImages.WritePng(Path.Combine(_bed.ImageDir, "wide.png"), 40, 20);
        TestImages.WritePng(Path.Combine(_bed.ImageDir, "tall.png"), 10, 30);
        TestImages.WritePng(Path.Combine(_bed.ImageDir, "square.png"), 16, 16);
        // Sizes are left out, so they are read from the image headers.
        return _bed.WriteFile("oriented.json", """
            {"categories": [{"id": 1, "name": "cat"}],
             "images": [{"id": 1, "file_name": "wide.png"}, {"id": 2, "file_name": "tall.png"},
                        {"id": 3, "file_name": "square.png"}, {"id": 4, "file_name": "wide.png"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}]}
            """);
    }

    private List<object?[]> StoredTags() =>
        _bed.Query("SELECT id, array_to_string(tags, ','), width, height FROM samples ORDER BY position");

    [Fact]
    public async Task ExamplePlugin_LoadedFromThePluginFolder_TagsSamplesThroughAnHttpIngest()
    {
        InstallExamplePlugin();
        var coco = WriteOrientedCoco();

        var runner = _bed.Api.Services.GetRequiredService<IngestPluginRunner>();
        var plugin = Assert.Single(runner.Active);
        Assert.Equal("landscape-tagger", plugin.Name);
        // Its own load context, yet the same interface type as the service's (the shared abstractions).
        Assert.NotSame(typeof(LandscapeTagger).Assembly, plugin.GetType().Assembly);
        Assert.Equal("DataVisor.Plugins.Example", System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(plugin.GetType().Assembly)!.Name);

        var events = await _bed.IngestAsync(coco);

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        Assert.Equal(
            [
                ["1", "landscape", 40, 20],
                ["2", "portrait", 10, 30],
                ["3", "", 16, 16],
                ["4", "landscape", 40, 20],
            ],
            StoredTags());
    }

    [Fact]
    public async Task UnloadableAssembly_IsSkipped_OtherPluginsStillLoad()
    {
        InstallExamplePlugin();
        File.WriteAllText(Path.Combine(PluginDirectory, "Broken.dll"), "not an assembly");
        var coco = WriteOrientedCoco();

        var events = await _bed.IngestAsync(coco);

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        Assert.Equal("landscape", StoredTags()[0][1]);
    }

    [Fact]
    public async Task MissingPluginFolder_MeansNoPlugins()
    {
        Assert.False(Directory.Exists(PluginDirectory));

        Assert.Empty(_bed.Api.Services.GetRequiredService<IngestPluginRunner>().Active);
        var events = await _bed.IngestAsync(WriteOrientedCoco());

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        Assert.All(StoredTags(), row => Assert.Equal("", row[1]));
    }

    [Fact]
    public async Task ThrowingPlugins_AreDeactivatedAndSkipped_TheIngestCompletes()
    {
        var failsOnSample = new RecordingPlugin("fails-on-sample") { ThrowIn = nameof(IIngestPlugin.OnSample) };
        var failsOnActivate = new RecordingPlugin("fails-on-activate") { ThrowIn = nameof(IIngestPlugin.Activate) };
        var failsOnStart = new RecordingPlugin("fails-on-start") { ThrowIn = nameof(IIngestPlugin.OnIngestStarted) };
        var healthy = new RecordingPlugin("healthy") { Resize = true };
        var coco = WriteOrientedCoco();

        List<JsonElement> events;
        string datasetId;
        var logs = new LogCollector();
        using (var api = WithPlugins(logs, failsOnSample, failsOnActivate, failsOnStart, healthy))
        {
            var runner = api.Services.GetRequiredService<IngestPluginRunner>();
            Assert.Equal(["fails-on-sample", "fails-on-start", "healthy"], runner.Active.Select(p => p.Name));

            using var client = api.CreateClient();
            var response = await client.PostAsJsonAsync("/datasets/ingest", new { annotation_path = coco, image_dir = _bed.ImageDir });
            events = await ApiFactory.ReadDataEventsAsync(response);
            datasetId = events[^1].GetProperty("dataset_id").GetString()!;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["healthy"], runner.Active.Select(p => p.Name));

            // The service keeps serving, and a second ingest runs with the healthy plugin only.
            var second = await client.PostAsJsonAsync("/datasets/ingest", new { annotation_path = coco, image_dir = _bed.ImageDir });
            Assert.Equal("complete", (await ApiFactory.ReadDataEventsAsync(second))[^1].GetProperty("stage").GetString());
        }

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        Assert.Equal(["Activate", "OnIngestStarted", "OnSample", "Deactivate"], failsOnSample.Calls);
        Assert.Equal(["Activate"], failsOnActivate.Calls);
        Assert.Equal(["Activate", "OnIngestStarted", "Deactivate"], failsOnStart.Calls);
        Assert.Equal(
            ["Activate", "OnIngestStarted", "OnSample", "OnSample", "OnSample", "OnSample", $"OnIngestCompleted {datasetId} 4/1/1",
             "OnIngestStarted", "OnSample", "OnSample", "OnSample", "OnSample"],
            healthy.Calls.Take(12));
        Assert.Equal("Deactivate", healthy.Calls[^1]);
        Assert.Equal(
            [
                ("Ingest plugin fails-on-activate failed in Activate; it is deactivated and skipped from now on", "fails-on-activate fails in Activate"),
                ("Ingest plugin fails-on-sample failed in OnSample; it is deactivated and skipped from now on", "fails-on-sample fails in OnSample"),
                ("Ingest plugin fails-on-start failed in OnIngestStarted; it is deactivated and skipped from now on", "fails-on-start fails in OnIngestStarted"),
            ],
            logs.Errors.Order());

        // The healthy plugin doubled every width and tagged twice; reserved and empty tags were dropped.
        Assert.Equal(
            [["1", "seen", 80, 20], ["2", "seen", 20, 30], ["3", "seen", 32, 16], ["4", "seen", 80, 20]],
            _bed.Query($"SELECT id, array_to_string(tags, ','), width, height FROM samples WHERE dataset_id = '{datasetId}' ORDER BY position"));
    }

    private WebApplicationFactory<DataVisor.Api.ApiEntryPoint> WithPlugins(LogCollector logs, params IIngestPlugin[] plugins) =>
        _bed.Api.WithWebHostBuilder(builder => builder
            .ConfigureLogging(logging => logging.AddProvider(logs))
            .ConfigureTestServices(services =>
            {
                foreach (var plugin in plugins)
                {
                    services.AddSingleton(plugin);
                }
            }));

    /// <summary>Error-level messages with their exception's message.</summary>
    private sealed class LogCollector : ILoggerProvider
    {
        private readonly List<(string Message, string Exception)> _errors = [];

        public IReadOnlyList<(string Message, string Exception)> Errors
        {
            get
            {
                lock (_errors)
                {
                    return [.. _errors];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Collector(this);

        public void Dispose()
        {
        }

        private sealed class Collector(LogCollector owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Error && exception is InvalidOperationException)
                {
                    lock (owner._errors)
                    {
                        owner._errors.Add((formatter(state, exception), exception.Message));
                    }
                }
            }
        }
    }

    /// <summary>Records every call; throws from the hook named in <see cref="ThrowIn"/>.</summary>
    private sealed class RecordingPlugin(string name) : IIngestPlugin
    {
        public List<string> Calls { get; } = [];

        public string? ThrowIn { get; init; }

        public bool Resize { get; init; }

        public string Name => name;

        public void Activate(PluginActivation activation) => Record(nameof(Activate));

        public void Deactivate() => Calls.Add(nameof(Deactivate));

        public void OnIngestStarted(IngestStarted ingest) => Record(nameof(OnIngestStarted));

        public void OnSample(IngestSample sample)
        {
            if (ThrowIn == nameof(OnSample))
            {
                // Changes made before the failure must not be stored.
                sample.Tags.Add("half-done");
                sample.Height = 1;
            }

            Record(nameof(OnSample));
            if (Resize)
            {
                sample.Width *= 2;
                sample.Tags.Add("seen");
                sample.Tags.Add("seen");
                sample.Tags.Add("");
                sample.Tags.Add("triage:tp");
            }
        }

        public void OnIngestCompleted(IngestCompleted ingest) =>
            Record($"{nameof(OnIngestCompleted)} {ingest.DatasetId} {ingest.ImageCount}/{ingest.AnnotationCount}/{ingest.CategoryCount}");

        private void Record(string call)
        {
            lock (Calls)
            {
                Calls.Add(call);
            }

            if (call.StartsWith(ThrowIn ?? "\0", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{name} fails in {ThrowIn}");
            }
        }
    }
}
