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
/// The embedding models the service can run, by name. Models load on first use (the built-in one reads
/// ~64 MB of weights) and stay loaded until the registry is disposed.
/// </summary>
internal sealed class EmbeddingModelRegistry : IDisposable
{
    public const string BuiltInModelName = "resnet18-imagenet";

    public const string BuiltInPreprocessing =
        "EXIF orientation applied; centred square crop resized to 224x224 (isotropic); RGB 0-255 to BGR; "
        + "minus the ImageNet mean image of ResNetPreprocess.onnx (channel averages B 103.06, G 115.90, R 123.15); no std scaling";

    private readonly Dictionary<string, (EmbeddingModelDescriptor Descriptor, Lazy<ImageEmbeddingModel> Model)> _models =
        new(StringComparer.Ordinal);

    /// <param name="builtInModelDirectory">Where ResNet18.onnx and ResNetPreprocess.onnx are (the build copies them to <c>models/</c>).</param>
    public EmbeddingModelRegistry(string builtInModelDirectory)
    {
        var builtIn = new EmbeddingModelDescriptor(BuiltInModelName, ResNetFeatureExtractor.FeatureDimension, BuiltInPreprocessing);
        _models[BuiltInModelName] = (builtIn, new Lazy<ImageEmbeddingModel>(
            () => new ImageEmbeddingModel(
                builtIn,
                ImagePreprocessor.FromOnnx(Path.Combine(builtInModelDirectory, "ResNetPreprocess.onnx")),
                ResNetFeatureExtractor.Load(Path.Combine(builtInModelDirectory, "ResNet18.onnx"))),
            LazyThreadSafetyMode.ExecutionAndPublication));
    }

    /// <summary>The folder the build and publish copy the built-in model to.</summary>
    public static string DefaultBuiltInModelDirectory => Path.Combine(AppContext.BaseDirectory, "models");

    public IReadOnlyList<EmbeddingModelDescriptor> Models => [.. _models.Values.Select(entry => entry.Descriptor)];

    public bool TryGetDescriptor(string name, [MaybeNullWhen(false)] out EmbeddingModelDescriptor descriptor)
    {
        var found = _models.TryGetValue(name, out var entry);
        descriptor = found ? entry.Descriptor : null;
        return found;
    }

    /// <summary>The model named <paramref name="name"/>, loading it on first use.</summary>
    public ImageEmbeddingModel Load(string name) =>
        _models.TryGetValue(name, out var entry)
            ? entry.Model.Value
            : throw new KeyNotFoundException($"No embedding model named '{name}'.");

    public void Dispose()
    {
        foreach (var (_, model) in _models.Values)
        {
            if (model.IsValueCreated)
            {
                model.Value.Dispose();
            }
        }
    }
}
