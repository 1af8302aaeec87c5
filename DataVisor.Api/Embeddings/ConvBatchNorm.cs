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
/// An ONNX Conv (no bias) followed by its BatchNormalization, which is kept as a separate eval-mode
/// BatchNorm2d holding the file's scale, bias, mean and variance rather than folded into the convolution,
/// so the arithmetic follows the ONNX graph step by step.
/// </summary>
internal sealed class ConvBatchNorm : nn.Module<Tensor, Tensor>
{
    public const double BatchNormEpsilon = 1e-5;

    // Field names become parameter names (RegisterComponents).
    private readonly Parameter weight;
    private readonly BatchNorm2d norm;

    public ConvBatchNorm(string name, long inChannels, long outChannels, long kernel, long stride, OnnxPads pads)
        : base(name)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Pads = pads;
        weight = new Parameter(empty(outChannels, inChannels, kernel, kernel), requires_grad: false);
        norm = nn.BatchNorm2d(outChannels, eps: BatchNormEpsilon);
        RegisterComponents();
    }

    public long InChannels { get; }

    public long OutChannels { get; }

    public long Kernel { get; }

    public long Stride { get; }

    public OnnxPads Pads { get; }

    public override Tensor forward(Tensor input)
    {
        using var convolved = Convolve(input);
        return norm.forward(convolved);
    }

    /// <summary>Copies a Conv node's weight and its BatchNormalization node's four tensors into this layer.</summary>
    public void Load(OnnxTensor convWeight, OnnxTensor scale, OnnxTensor bias, OnnxTensor mean, OnnxTensor variance)
    {
        using var noGrad = no_grad();
        CopyInto(weight, convWeight);
        CopyInto(norm.weight!, scale);
        CopyInto(norm.bias!, bias);
        CopyInto(norm.running_mean!, mean);
        CopyInto(norm.running_var!, variance);
    }

    private static void CopyInto(Tensor target, OnnxTensor source)
    {
        if (!target.shape.SequenceEqual(source.Dims))
        {
            throw new InvalidDataException(
                $"Initializer '{source.Name}' has dims [{string.Join(", ", source.Dims)}]; the layer expects [{string.Join(", ", target.shape)}].");
        }

        using var values = tensor(source.Values, source.Dims);
        target.copy_(values);
    }

    private Tensor Convolve(Tensor input)
    {
        if (Pads.ActsSymmetric(input.shape[2], input.shape[3], Kernel, Stride))
        {
            return nn.functional.conv2d(input, weight, strides: [Stride, Stride], padding: [Pads.Top, Pads.Left]);
        }

        using var padded = nn.functional.pad(input, [Pads.Left, Pads.Right, Pads.Top, Pads.Bottom]);
        return nn.functional.conv2d(padded, weight, strides: [Stride, Stride]);
    }
}
