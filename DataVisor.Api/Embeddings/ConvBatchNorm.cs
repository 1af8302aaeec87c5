using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataVisor.Api.Embeddings;

/// <summary>2-D padding in ONNX's order: begin (top, left) then end (bottom, right).</summary>
internal readonly record struct OnnxPads(long Top, long Left, long Bottom, long Right)
{
    public static OnnxPads Same(long pad) => new(pad, pad, pad, pad);

    public static OnnxPads FromAttribute(long[] pads) =>
        pads.Length == 0 ? default
        : pads.Length == 4 ? new OnnxPads(pads[0], pads[1], pads[2], pads[3])
        : throw new InvalidDataException($"Expected four 2-D pads, got [{string.Join(", ", pads)}].");

    public override string ToString() => $"[{Top}, {Left}, {Bottom}, {Right}]";

    /// <summary>
    /// True when torch's symmetric padding by (Top, Left) yields the same windows as these pads on an input
    /// of this size. Windows start at -begin either way, so they coincide exactly when the output sizes do:
    /// then the explicit pad (a copy of the whole activation) can be skipped. At 224x224 that holds for
    /// every asymmetric pad in the shipped ResNet.
    /// </summary>
    public bool ActsSymmetric(long height, long width, long kernel, long stride) =>
        OutputLength(height, kernel, stride, Top, Bottom) == OutputLength(height, kernel, stride, Top, Top)
        && OutputLength(width, kernel, stride, Left, Right) == OutputLength(width, kernel, stride, Left, Left);

    private static long OutputLength(long input, long kernel, long stride, long begin, long end) =>
        (input + begin + end - kernel) / stride + 1;
}

/// <summary>
/// An ONNX Conv (no bias) followed by its BatchNormalization, folded at load time into one convolution
/// with a bias: inference only ever uses the running statistics, so y = γ(conv(x) − μ)/√(σ² + ε) + β is
/// the convolution with weights w·γ/√(σ² + ε) and bias β − μγ/√(σ² + ε). That is one pass over each
/// activation instead of two (ONNX Runtime makes the same fusion). The fold is computed in double, so it
/// moves the features by float rounding only (~1e-6 against the unfolded graph).
/// </summary>
/// <remarks>
/// Weights are kept channels-last (NHWC strides on an NCHW shape) because oneDNN's CPU convolutions run
/// natively in that layout; inputs in the same layout then flow through the whole network without a
/// reorder per layer (see <see cref="ResNetFeatureExtractor"/>).
/// </remarks>
internal sealed class ConvBatchNorm : nn.Module<Tensor, Tensor>
{
    public const double BatchNormEpsilon = 1e-5;

    // Field names become parameter names (RegisterComponents).
    private readonly Parameter weight;
    private readonly Parameter bias;

    public ConvBatchNorm(string name, long inChannels, long outChannels, long kernel, long stride, OnnxPads pads, bool channelsLast = true)
        : base(name)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Pads = pads;
        using (var filters = empty(outChannels, inChannels, kernel, kernel))
        {
            // copy_ keeps the destination's strides, so the loaded weights stay channels-last.
            weight = new Parameter(channelsLast ? ToChannelsLast(filters) : filters.clone(), requires_grad: false);
        }

        bias = new Parameter(zeros(outChannels), requires_grad: false);
        RegisterComponents();
    }

    public long InChannels { get; }

    public long OutChannels { get; }

    public long Kernel { get; }

    public long Stride { get; }

    public OnnxPads Pads { get; }

    public override Tensor forward(Tensor input)
    {
        if (Pads.ActsSymmetric(input.shape[2], input.shape[3], Kernel, Stride))
        {
            return nn.functional.conv2d(input, weight, bias, strides: [Stride, Stride], padding: [Pads.Top, Pads.Left]);
        }

        using var padded = nn.functional.pad(input, [Pads.Left, Pads.Right, Pads.Top, Pads.Bottom]);
        return nn.functional.conv2d(padded, weight, bias, strides: [Stride, Stride]);
    }

    /// <summary>
    /// Folds a Conv node's weight and its BatchNormalization node's scale, bias, mean and variance into
    /// this layer's weight and bias.
    /// </summary>
    public void Load(OnnxTensor convWeight, OnnxTensor scale, OnnxTensor shift, OnnxTensor mean, OnnxTensor variance)
    {
        RequireDims(convWeight, [OutChannels, InChannels, Kernel, Kernel]);
        foreach (var perChannel in new[] { scale, shift, mean, variance })
        {
            RequireDims(perChannel, [OutChannels]);
        }

        var valuesPerFilter = (int)(InChannels * Kernel * Kernel);
        var foldedWeight = new float[convWeight.Values.Length];
        var foldedBias = new float[OutChannels];
        for (var channel = 0; channel < OutChannels; channel++)
        {
            var factor = scale.Values[channel] / Math.Sqrt(variance.Values[channel] + BatchNormEpsilon);
            foldedBias[channel] = (float)(shift.Values[channel] - (mean.Values[channel] * factor));
            for (var index = channel * valuesPerFilter; index < (channel + 1) * valuesPerFilter; index++)
            {
                foldedWeight[index] = (float)(convWeight.Values[index] * factor);
            }
        }

        using var noGrad = no_grad();
        using (var values = tensor(foldedBias, [OutChannels]))
        {
            bias.copy_(values);
        }

        using var filters = tensor(foldedWeight, convWeight.Dims);
        weight.copy_(filters);
    }

    /// <summary>
    /// The same [N, C, H, W] tensor stored with channels innermost (what torch's
    /// <c>memory_format=torch.channels_last</c> does; TorchSharp has no such overload, but libtorch reads
    /// the layout from the strides, which a permuted contiguous copy has).
    /// </summary>
    public static Tensor ToChannelsLast(Tensor nchw)
    {
        using var nhwc = nchw.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    private static void RequireDims(OnnxTensor source, long[] expected)
    {
        if (!source.Dims.SequenceEqual(expected))
        {
            throw new InvalidDataException(
                $"Initializer '{source.Name}' has dims [{string.Join(", ", source.Dims)}]; the layer expects [{string.Join(", ", expected)}].");
        }
    }
}
