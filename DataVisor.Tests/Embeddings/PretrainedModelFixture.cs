using DataVisor.Api.Embeddings;
using Microsoft.ML.OnnxRuntime;

namespace DataVisor.Tests.Embeddings;

/// <summary>
/// The built-in model loaded once per test class: the TorchSharp network, its preprocessing, and an ONNX
/// Runtime session over the very file the weights came from, as the reference.
/// </summary>
public sealed class PretrainedModelFixture : IDisposable
{
    public const string OnnxInputName = "Input247";
    public const string OnnxOutputName = "Pooling395_Output_0";

    private readonly EmbeddingModelRegistry _registry = new(EmbeddingModelRegistry.DefaultBuiltInModelDirectory);

    public PretrainedModelFixture()
    {
        Model = _registry.Load(EmbeddingModelRegistry.BuiltInModelName);
        Reference = new InferenceSession(OnnxPath);
    }

    public static string OnnxPath => Path.Combine(EmbeddingModelRegistry.DefaultBuiltInModelDirectory, "ResNet18.onnx");

    internal ImageEmbeddingModel Model { get; }

    public InferenceSession Reference { get; }

    /// <summary>ONNX Runtime's features for one preprocessed image (the file's batch dimension is fixed at 1).</summary>
    public float[] ReferenceFeatures(ReadOnlySpan<float> preprocessed)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(preprocessed.ToArray(), [1, 3, 224, 224]);
        using var runOptions = new RunOptions();
        using var outputs = Reference.Run(runOptions, [OnnxInputName], [input], [OnnxOutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        Reference.Dispose();
        _registry.Dispose();
    }
}
