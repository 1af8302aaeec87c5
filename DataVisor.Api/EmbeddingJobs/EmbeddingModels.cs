using DataVisor.Api.Embeddings;

namespace DataVisor.Api.EmbeddingJobs;

/// <summary>What the generation job needs from a model: its preprocessing and its forward pass.</summary>
internal interface IImageEmbedder
{
    int Dimension { get; }

    /// <summary>Floats of one preprocessed image.</summary>
    int ValuesPerImage { get; }

    /// <summary>False when the file is missing or not a readable image.</summary>
    bool TryPreprocess(string path, Span<float> destination);

    /// <summary><paramref name="count"/> images of <see cref="ValuesPerImage"/> floats each in, count x dimension out.</summary>
    float[] Embed(float[] preprocessed, int count);
}

/// <summary>The models R22 may name; the job depends on this rather than on one network, so tests can swap it.</summary>
internal interface IEmbeddingModelCatalog
{
    IReadOnlyList<string> Names { get; }

    bool Contains(string name);

    /// <summary>Loads the model on first use (may take seconds).</summary>
    IImageEmbedder Load(string name);
}

/// <summary>The catalog backed by the built-in <see cref="EmbeddingModelRegistry"/>.</summary>
internal sealed class RegistryModelCatalog(EmbeddingModelRegistry registry) : IEmbeddingModelCatalog
{
    public IReadOnlyList<string> Names => [.. registry.Models.Select(model => model.Name)];

    public bool Contains(string name) => registry.TryGetDescriptor(name, out _);

    public IImageEmbedder Load(string name) => new Embedder(registry.Load(name));

    private sealed class Embedder(ImageEmbeddingModel model) : IImageEmbedder
    {
        public int Dimension => model.Descriptor.Dimension;

        public int ValuesPerImage => ImagePreprocessor.ValuesPerImage;

        public bool TryPreprocess(string path, Span<float> destination) => model.Preprocessor.TryPreprocess(path, destination);

        public float[] Embed(float[] preprocessed, int count) => model.Embed(preprocessed, count);
    }
}
