using System.Diagnostics.CodeAnalysis;

namespace DataVisor.Api.Embeddings;

/// <summary>What a caller may know about an embedding model before loading it.</summary>
public sealed record EmbeddingModelDescriptor(string Name, int Dimension, string Preprocessing);

/// <summary>A loaded model: the preprocessing and the network that together turn image files into vectors.</summary>
internal sealed class ImageEmbeddingModel(EmbeddingModelDescriptor descriptor, ImagePreprocessor preprocessor, ResNetFeatureExtractor network)
    : IDisposable
{
    public EmbeddingModelDescriptor Descriptor { get; } = descriptor;

    public ImagePreprocessor Preprocessor { get; } = preprocessor;

    public ResNetFeatureExtractor Network { get; } = network;

    /// <inheritdoc cref="ResNetFeatureExtractor.ComputeFeatures"/>
    public float[] Embed(float[] preprocessed, int count) => Network.ComputeFeatures(preprocessed, count);

    public void Dispose() => Network.Dispose();
}

/// <summary>
/// The embedding models the service can run, by name: the built-in one, then any user-supplied model
/// folders under <c>DATAVISOR_MODELS_DIR</c> (docs/EMBEDDING-MODELS.md). Models load on first use (the
/// built-in one reads ~64 MB of weights) and stay loaded until the registry is disposed. The folder is
/// listed again on every lookup (a few small files), so a model dropped in needs no restart; a broken
/// folder is logged once and skipped.
/// </summary>
internal sealed partial class EmbeddingModelRegistry : IDisposable
{
    public const string BuiltInModelName = "resnet18-imagenet";

    public const string BuiltInPreprocessing =
        "EXIF orientation applied; centred square crop resized to 224x224 (isotropic); RGB 0-255 to BGR; "
        + "minus the ImageNet mean image of ResNetPreprocess.onnx (channel averages B 103.06, G 115.90, R 123.15); no std scaling";

    private readonly Entry _builtIn;
    private readonly string? _userModelsDirectory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    // Guarded by _gate. User models by name, in ordinal order; replaced entries are kept until disposal
    // because a running job may still hold their network.
    private SortedDictionary<string, Entry> _userModels = new(StringComparer.Ordinal);
    private readonly List<Entry> _replaced = [];
    private readonly HashSet<(string Folder, DateTime Stamp)> _reportedProblems = [];

    /// <param name="builtInModelDirectory">Where ResNet18.onnx and ResNetPreprocess.onnx are (the build copies them to <c>models/</c>).</param>
    /// <param name="userModelsDirectory">DATAVISOR_MODELS_DIR: one folder per user-supplied model; null for none.</param>
    public EmbeddingModelRegistry(string builtInModelDirectory, string? userModelsDirectory = null, ILogger<EmbeddingModelRegistry>? logger = null)
    {
        var builtIn = new EmbeddingModelDescriptor(BuiltInModelName, ResNetFeatureExtractor.FeatureDimension, BuiltInPreprocessing);
        _builtIn = new Entry(builtIn, null, default, new Lazy<ImageEmbeddingModel>(
            () => new ImageEmbeddingModel(
                builtIn,
                ImagePreprocessor.FromOnnx(Path.Combine(builtInModelDirectory, "ResNetPreprocess.onnx")),
                ResNetFeatureExtractor.Load(Path.Combine(builtInModelDirectory, "ResNet18.onnx"))),
            LazyThreadSafetyMode.ExecutionAndPublication));
        _userModelsDirectory = userModelsDirectory;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<EmbeddingModelRegistry>.Instance;
    }

    /// <summary>The folder the build and publish copy the built-in model to.</summary>
    public static string DefaultBuiltInModelDirectory => Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>The built-in model first, then user models in ordinal order of name.</summary>
    public IReadOnlyList<EmbeddingModelDescriptor> Models => [.. Entries().Select(entry => entry.Descriptor)];

    public bool TryGetDescriptor(string name, [MaybeNullWhen(false)] out EmbeddingModelDescriptor descriptor)
    {
        descriptor = Find(name)?.Descriptor;
        return descriptor is not null;
    }

    /// <summary>
    /// The model named <paramref name="name"/>, loading it on first use. A user model whose files cannot be
    /// loaded throws <see cref="InvalidDataException"/> naming the model and the reason.
    /// </summary>
    public ImageEmbeddingModel Load(string name) =>
        (Find(name) ?? throw new KeyNotFoundException($"No embedding model named '{name}'.")).Model.Value;

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _userModels.Values.Concat(_replaced).Append(_builtIn))
            {
                if (entry.Model.IsValueCreated)
                {
                    entry.Model.Value.Dispose();
                }
            }
        }
    }

    private Entry? Find(string name) => Entries().FirstOrDefault(entry => entry.Descriptor.Name == name);

    private List<Entry> Entries()
    {
        lock (_gate)
        {
            try
            {
                Refresh();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A folder removed or unreadable mid-listing: keep the last good list rather than fail the request.
                Report(_userModelsDirectory!, DateTime.MinValue, ex.Message);
            }

            return [_builtIn, .. _userModels.Values];
        }
    }

    /// <summary>Re-reads the models folder; an unchanged folder keeps its entry (and its loaded network).</summary>
    private void Refresh()
    {
        if (_userModelsDirectory is null || !Directory.Exists(_userModelsDirectory))
        {
            _userModels.Clear();
            return;
        }

        var current = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        var previousByFolder = _userModels.Values.ToDictionary(entry => entry.Folder!, StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(_userModelsDirectory).Order(StringComparer.Ordinal))
        {
            var manifestPath = Path.Combine(folder, UserModelManifest.FileName);
            if (!File.Exists(manifestPath))
            {
                continue;
            }

            var stamp = Stamp(folder);
            var entry = previousByFolder.TryGetValue(folder, out var previous) && previous.Stamp == stamp
                ? previous
                : ReadEntry(folder, stamp);
            if (entry is null)
            {
                continue;
            }

            if (entry.Descriptor.Name == BuiltInModelName || current.ContainsKey(entry.Descriptor.Name))
            {
                Report(folder, stamp, $"the name '{entry.Descriptor.Name}' is already taken");
                continue;
            }

            current[entry.Descriptor.Name] = entry;
        }

        _replaced.AddRange(_userModels.Values.Where(entry => entry.Model.IsValueCreated && !current.ContainsValue(entry)));
        _userModels = current;
    }

    private Entry? ReadEntry(string folder, DateTime stamp)
    {
        UserModelManifest manifest;
        try
        {
            manifest = UserModelManifest.Read(folder);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Report(folder, stamp, ex.Message);
            return null;
        }

        var descriptor = manifest.Descriptor;
        return new Entry(descriptor, folder, stamp, new Lazy<ImageEmbeddingModel>(
            () => LoadUserModel(manifest, descriptor),
            LazyThreadSafetyMode.ExecutionAndPublication));
    }

    private ImageEmbeddingModel LoadUserModel(UserModelManifest manifest, EmbeddingModelDescriptor descriptor)
    {
        try
        {
            var preprocessor = manifest.CreatePreprocessor();
            var network = ResNetFeatureExtractor.Load(manifest.WeightsPath);
            LogUserModelLoaded(_logger, descriptor.Name, manifest.WeightsPath);
            return new ImageEmbeddingModel(descriptor, preprocessor, network);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The job turns this into its error message, so it names the model and the file.
            throw new InvalidDataException($"Embedding model '{descriptor.Name}' could not be loaded from {manifest.Folder}: {ex.Message}", ex);
        }
    }

    private void Report(string folder, DateTime stamp, string problem)
    {
        if (_reportedProblems.Add((folder, stamp)))
        {
            LogModelFolderSkipped(_logger, folder, problem);
        }
    }

    /// <summary>The newest write time of the folder's files: a change to the manifest or the weights re-reads the model.</summary>
    private static DateTime Stamp(string folder) =>
        Directory.EnumerateFiles(folder).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty().Max();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the embedding model folder {Folder}: {Problem}")]
    private static partial void LogModelFolderSkipped(ILogger logger, string folder, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded embedding model {ModelName} from {WeightsPath}")]
    private static partial void LogUserModelLoaded(ILogger logger, string modelName, string weightsPath);

    /// <summary>A model by name; <see cref="Folder"/> and <see cref="Stamp"/> are set for user models.</summary>
    private sealed record Entry(EmbeddingModelDescriptor Descriptor, string? Folder, DateTime Stamp, Lazy<ImageEmbeddingModel> Model);
}
