using DataVisor.Api.Embeddings;
using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Tests.Embeddings;

public sealed class ConvBatchNormTests
{
    [Fact]
    public void Start_only_padding_is_applied_explicitly_where_it_differs_from_symmetric_padding()
    {
        _ = TorchRuntime.Version;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // On a 5x5 input, a 3x3 stride-2 convolution padded [1, 1, 0, 0] has 2x2 windows starting at -1;
        // padded by 1 all round it has those same windows plus a third row and column.
        using var startOnly = new ConvBatchNorm("start_only", 2, 4, kernel: 3, stride: 2, new OnnxPads(1, 1, 0, 0));
        using var symmetric = new ConvBatchNorm("symmetric", 2, 4, kernel: 3, stride: 2, OnnxPads.Same(1));
        Assert.False(startOnly.Pads.ActsSymmetric(5, 5, kernel: 3, stride: 2));
        Assert.True(startOnly.Pads.ActsSymmetric(224, 224, kernel: 3, stride: 2));
        var weights = Weights("conv", [4, 2, 3, 3], seed: 1);
        foreach (var layer in new[] { startOnly, symmetric })
        {
            layer.Load(weights, Weights("scale", [4], 2), Weights("bias", [4], 3), Weights("mean", [4], 4), Positive("var", [4]));
            layer.eval();
        }

        var input = rand(3, 2, 5, 5, generator: new TorchSharp.torch.Generator(7));
        var expected = symmetric.forward(input)[.., .., ..2, ..2];
        var actual = startOnly.forward(input);

        Assert.Equal([3L, 4, 2, 2], actual.shape);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-6), "start-only padding differs from the matching symmetric windows");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_folded_layer_computes_the_convolution_followed_by_the_batch_norm(bool channelsLast)
    {
        _ = TorchRuntime.Version;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var layer = new ConvBatchNorm("layer", 3, 5, kernel: 3, stride: 1, OnnxPads.Same(1), channelsLast);
        var (weights, scale, shift, mean, variance) = (Weights("conv", [5, 3, 3, 3], 1), Weights("scale", [5], 2), Weights("bias", [5], 3), Weights("mean", [5], 4), Positive("var", [5]));
        layer.Load(weights, scale, shift, mean, variance);
        var input = rand(2, 3, 6, 6, generator: new TorchSharp.torch.Generator(11));

        // The ONNX graph's two steps, unfolded: a bias-free convolution, then eval-mode batch norm.
        var convolved = nn.functional.conv2d(input, Tensor(weights), padding: [1, 1]);
        var expected = nn.functional.batch_norm(
            convolved, Tensor(mean), Tensor(variance), Tensor(scale), Tensor(shift), training: false, eps: ConvBatchNorm.BatchNormEpsilon);
        var actual = layer.forward(channelsLast ? ConvBatchNorm.ToChannelsLast(input) : input);

        Assert.Equal([2L, 5, 6, 6], actual.shape);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-5), $"max |folded - unfolded| = {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Weights_of_the_wrong_shape_are_rejected()
    {
        _ = TorchRuntime.Version;
        using var layer = new ConvBatchNorm("layer", 2, 4, kernel: 3, stride: 1, OnnxPads.Same(1));
        var error = Assert.Throws<InvalidDataException>(() => layer.Load(
            Weights("conv", [4, 2, 1, 1], 1), Weights("scale", [4], 2), Weights("bias", [4], 3), Weights("mean", [4], 4), Positive("var", [4])));
        Assert.Contains("'conv' has dims [4, 2, 1, 1]", error.Message, StringComparison.Ordinal);
    }

    private static OnnxTensor Weights(string name, long[] dims, int seed)
    {
        var random = new Random(seed);
        var values = new float[dims.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() - 0.5);
        }

        return new OnnxTensor(name, dims, values);
    }

    private static Tensor Tensor(OnnxTensor source) => tensor(source.Values, source.Dims);

    private static OnnxTensor Positive(string name, long[] dims) =>
        new(name, dims, [.. Enumerable.Range(1, (int)dims[0]).Select(i => i * 0.5f)]);
}
