using static TorchSharp.torch;

namespace DataVisor.Api.Embeddings;

/// <summary>
/// A ResNet BasicBlock as the shipped ONNX graph has it: two 3x3 ConvBatchNorms with a ReLU between them,
/// added to the shortcut (the input itself, or a 1x1 stride-2 ConvBatchNorm when the block downsamples),
/// then a ReLU.
/// </summary>
internal sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>
{
    // Field names become parameter-name prefixes (RegisterComponents).
    private readonly ConvBatchNorm conv1;
    private readonly ConvBatchNorm conv2;
    private readonly ConvBatchNorm? shortcut;

    public ResNetBasicBlock(string name, long inChannels, long outChannels, bool downsample, bool channelsLast)
        : base(name)
    {
        // CNTK's stride-2 convolutions pad only at the start (ONNX pads [1, 1, 0, 0]).
        conv1 = downsample
            ? new ConvBatchNorm("conv1", inChannels, outChannels, kernel: 3, stride: 2, new OnnxPads(1, 1, 0, 0), channelsLast)
            : new ConvBatchNorm("conv1", inChannels, outChannels, kernel: 3, stride: 1, OnnxPads.Same(1), channelsLast);
        conv2 = new ConvBatchNorm("conv2", outChannels, outChannels, kernel: 3, stride: 1, OnnxPads.Same(1), channelsLast);
        shortcut = downsample ? new ConvBatchNorm("shortcut", inChannels, outChannels, kernel: 1, stride: 2, default, channelsLast) : null;
        RegisterComponents();
    }

    public ConvBatchNorm Conv1 => conv1;

    public ConvBatchNorm Conv2 => conv2;

    public ConvBatchNorm? Shortcut => shortcut;

    public override Tensor forward(Tensor input)
    {
        // Intermediates are released as soon as they are used: at batch 32 one 64x112x112 activation is ~100 MB.
        using var hidden = conv1.forward(input).relu_();
        var output = conv2.forward(hidden);
        if (shortcut is null)
        {
            output.add_(input);
        }
        else
        {
            using var projected = shortcut.forward(input);
            output.add_(projected);
        }

        return output.relu_();
    }
}
