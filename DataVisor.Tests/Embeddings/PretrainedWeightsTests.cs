using DataVisor.Api.Embeddings;
using SkiaSharp;

namespace DataVisor.Tests.Embeddings;

/// <summary>
/// Proves the TorchSharp network carries the real pretrained weights: on the same inputs it computes what
/// ONNX Runtime computes with the shipped ResNet18.onnx.
/// </summary>
public sealed class PretrainedWeightsTests(PretrainedModelFixture fixture) : IClassFixture<PretrainedModelFixture>
{
    private const int Dimension = ResNetFeatureExtractor.FeatureDimension;

    [Fact]
    public void Features_match_onnx_runtime_on_the_shipped_file()
    {
        var images = DrawnImages.All;
        var batch = Preprocess(images);

        var features = fixture.Model.Embed(batch, images.Length);

        Assert.Equal(images.Length * Dimension, features.Length);
        for (var image = 0; image < images.Length; image++)
        {
            var expected = fixture.ReferenceFeatures(batch.AsSpan(image * ImagePreprocessor.ValuesPerImage, ImagePreprocessor.ValuesPerImage));
            var actual = features.AsSpan(image * Dimension, Dimension);
            Assert.Equal(Dimension, expected.Length);
            var maxAbsDiff = 0f;
            for (var i = 0; i < Dimension; i++)
            {
                maxAbsDiff = Math.Max(maxAbsDiff, Math.Abs(expected[i] - actual[i]));
            }

            Assert.True(maxAbsDiff <= 1e-4f, $"image {image}: max abs diff {maxAbsDiff} against ONNX Runtime");
            // Pooled ReLU activations: never negative, and a real image lights up many of them.
            Assert.All(actual.ToArray(), value => Assert.True(value >= 0f));
            Assert.True(actual.ToArray().Count(value => value > 1e-3f) > Dimension / 4, $"image {image}: too few active features");
        }
    }

    [Fact]
    public void Different_images_give_clearly_different_features()
    {
        var images = DrawnImages.All;
        var features = fixture.Model.Embed(Preprocess(images), images.Length);

        for (var a = 0; a < images.Length; a++)
        {
            for (var b = a + 1; b < images.Length; b++)
            {
                var cosine = Cosine(features.AsSpan(a * Dimension, Dimension), features.AsSpan(b * Dimension, Dimension));
                Assert.True(cosine < 0.99, $"images {a} and {b}: cosine {cosine}");
            }
        }
    }

    [Fact]
    public void An_image_gets_the_same_features_alone_as_in_a_batch()
    {
        var images = DrawnImages.All;
        var batch = Preprocess(images);
        var together = fixture.Model.Embed(batch, images.Length);

        var last = images.Length - 1;
        var alone = fixture.Model.Embed(batch[(last * ImagePreprocessor.ValuesPerImage)..], 1);

        for (var i = 0; i < Dimension; i++)
        {
            Assert.Equal(together[(last * Dimension) + i], alone[i], 1e-5f);
        }
    }

    [Fact]
    public void The_weights_come_from_every_convolution_of_the_file()
    {
        var graph = OnnxWeightReader.Read(PretrainedModelFixture.OnnxPath);

        Assert.Equal(22, graph.Nodes.Count(node => node.OpType == "Conv"));
        Assert.Equal(22, graph.Nodes.Count(node => node.OpType == "BatchNormalization"));
        Assert.Equal(110, graph.Initializers.Count);
        Assert.Equal([PretrainedModelFixture.OnnxInputName], graph.Inputs);
        Assert.Equal([PretrainedModelFixture.OnnxOutputName], graph.Outputs);
        // Each BatchNormalization is folded into its convolution: a weight per Conv, a bias per BatchNorm.
        var parameterCount = fixture.Model.Network.parameters().Sum(parameter => parameter.numel());
        var convolutionWeights = graph.Nodes.Where(node => node.OpType == "Conv").Sum(node => (long)graph.Initializer(node.Inputs[1]).Values.Length);
        var foldedBiases = graph.Nodes.Where(node => node.OpType == "BatchNormalization").Sum(node => (long)graph.Initializer(node.Inputs[2]).Values.Length);
        Assert.Equal(convolutionWeights + foldedBiases, parameterCount);
        Assert.Empty(fixture.Model.Network.buffers());
    }

    [Fact]
    public void The_registry_describes_the_built_in_model_without_loading_it()
    {
        using var registry = new EmbeddingModelRegistry(EmbeddingModelRegistry.DefaultBuiltInModelDirectory);

        Assert.True(registry.TryGetDescriptor("resnet18-imagenet", out var descriptor));
        Assert.Equal(512, descriptor.Dimension);
        Assert.Contains("BGR", descriptor.Preprocessing, StringComparison.Ordinal);
        Assert.Equal([descriptor], registry.Models);
        Assert.False(registry.TryGetDescriptor("resnet50", out _));
        Assert.Throws<KeyNotFoundException>(() => registry.Load("resnet50"));
    }

    private float[] Preprocess(SKBitmap[] images)
    {
        var batch = new float[images.Length * ImagePreprocessor.ValuesPerImage];
        for (var image = 0; image < images.Length; image++)
        {
            fixture.Model.Preprocessor.Preprocess(images[image], batch.AsSpan(image * ImagePreprocessor.ValuesPerImage, ImagePreprocessor.ValuesPerImage));
        }

        return batch;
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }

        return dot / Math.Sqrt(normA * normB);
    }
}
