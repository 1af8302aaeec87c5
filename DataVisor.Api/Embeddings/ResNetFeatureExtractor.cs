using DataVisor.Api.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DataVisor.Api.Embeddings;

/// <summary>
/// The ImageNet-pretrained ResNet of <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>'s ResNet18.onnx (a CNTK
/// export), rebuilt in TorchSharp: a 7x7 stride-2 stem (ONNX pads [3, 3, 2, 2]) with BatchNorm and ReLU,
/// a 3x3 stride-2 max pool (pads [1, 1, 0, 0]), BasicBlocks [2, 2, 2, 3] of widths 64/128/256/512 (one block
/// more than torchvision's resnet18 in the last stage) and global average pooling to 512 features. There is
/// no classifier. Input: [N, 3, 224, 224] as <see cref="ImagePreprocessor"/> makes it.
/// </summary>
internal sealed class ResNetFeatureExtractor : nn.Module<Tensor, Tensor>
{
    public const int FeatureDimension = 512;
    public const int InputSize = 224;

    private static readonly OnnxPads PoolPads = new(1, 1, 0, 0);

    // Field names become parameter-name prefixes (RegisterComponents).
    private readonly ConvBatchNorm stem;
    private readonly ModuleList<ResNetBasicBlock> blocks;

    /// <param name="channelsLast">
    /// Run every convolution in the channels-last layout (the default; measured faster with oneDNN on CPU,
    /// docs/PERFORMANCE.md). False keeps the contiguous NCHW layout, for comparison.
    /// </param>
    public ResNetFeatureExtractor(bool channelsLast = true)
        : base(nameof(ResNetFeatureExtractor))
    {
        ChannelsLast = channelsLast;
        stem = new ConvBatchNorm("stem", 3, 64, kernel: 7, stride: 2, new OnnxPads(3, 3, 2, 2), channelsLast);
        int[] blocksPerStage = [2, 2, 2, 3];
        long[] widths = [64, 128, 256, 512];
        var layout = new List<ResNetBasicBlock>();
        long inChannels = 64;
        for (var stage = 0; stage < widths.Length; stage++)
        {
            for (var index = 0; index < blocksPerStage[stage]; index++)
            {
                // Every stage but the first starts by halving the resolution.
                var downsample = index == 0 && stage > 0;
                layout.Add(new ResNetBasicBlock($"stage{stage + 1}_{index}", inChannels, widths[stage], downsample, channelsLast));
                inChannels = widths[stage];
            }
        }

        blocks = nn.ModuleList(layout.ToArray());
        RegisterComponents();
        eval();
    }

    public bool ChannelsLast { get; }

    /// <summary>Builds the network and loads the weights of the ONNX file at <paramref name="onnxPath"/>.</summary>
    public static ResNetFeatureExtractor Load(string onnxPath, bool channelsLast = true)
    {
        _ = TorchRuntime.Version;
        var graph = OnnxWeightReader.Read(onnxPath);
        var extractor = new ResNetFeatureExtractor(channelsLast);
        try
        {
            extractor.LoadWeights(graph);
            return extractor;
        }
        catch
        {
            extractor.Dispose();
            throw;
        }
    }

    public override Tensor forward(Tensor input)
    {
        if (input.ndim != 4 || input.shape[1] != 3 || input.shape[2] != InputSize || input.shape[3] != InputSize)
        {
            // The ONNX graph ends in a fixed 7x7 average pool, which is global only at 224x224.
            throw new ArgumentException($"Expected [N, 3, {InputSize}, {InputSize}], got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        Tensor x;
        using (var stemmed = stem.forward(input).relu_())
        {
            x = MaxPool(stemmed);
        }

        foreach (var block in blocks)
        {
            var next = block.forward(x);
            x.Dispose();
            x = next;
        }

        using (x)
        {
            return x.mean([2, 3]);
        }
    }

    /// <summary>
    /// Features for <paramref name="count"/> preprocessed images laid out one after another
    /// ([count, 3, 224, 224], row-major): <paramref name="count"/> x 512 floats, row-major.
    /// </summary>
    public float[] ComputeFeatures(float[] preprocessed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(preprocessed.Length, count * ImagePreprocessor.ValuesPerImage);
        _ = TorchRuntime.Version;
        // Native tensors are invisible to the GC: everything made for this batch is freed here.
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var batch = tensor(preprocessed, [count, 3, InputSize, InputSize]);
        if (ChannelsLast)
        {
            batch = ConvBatchNorm.ToChannelsLast(batch);
        }

        return forward(batch).contiguous().data<float>().ToArray();
    }

    /// <summary>
    /// Loads the graph's weights by walking its Conv nodes in file order (ONNX files are topologically
    /// sorted), each with the BatchNormalization node that consumes its output. The stem comes first; a
    /// block's three (or two) convolutions follow in any order, the 1x1 one being its shortcut. Every node's
    /// kernel, stride, pads and epsilon are checked against this layout, so a different network fails here
    /// instead of producing wrong features.
    /// </summary>
    private void LoadWeights(OnnxGraph graph)
    {
        var batchNormByInput = graph.Nodes
            .Where(node => node.OpType == "BatchNormalization")
            .ToDictionary(node => node.Inputs[0], StringComparer.Ordinal);
        var convolutions = new Queue<OnnxNode>(graph.Nodes.Where(node => node.OpType == "Conv"));

        LoadLayer(stem, Next());
        foreach (var block in blocks)
        {
            var group = new List<OnnxNode> { Next(), Next() };
            if (block.Shortcut is { } shortcut)
            {
                group.Add(Next());
                var projection = group.SingleOrDefault(node => node.Ints("kernel_shape") is [1, 1])
                    ?? throw new InvalidDataException("A downsampling block of the ONNX graph has no 1x1 shortcut convolution.");
                group.Remove(projection);
                LoadLayer(shortcut, projection);
            }

            LoadLayer(block.Conv1, group[0]);
            LoadLayer(block.Conv2, group[1]);
        }

        if (convolutions.Count > 0)
        {
            throw new InvalidDataException($"The ONNX graph has {convolutions.Count} more convolutions than this network.");
        }

        OnnxNode Next() => convolutions.TryDequeue(out var node)
            ? node
            : throw new InvalidDataException("The ONNX graph has fewer convolutions than this network.");

        void LoadLayer(ConvBatchNorm layer, OnnxNode conv)
        {
            var described = $"{conv.Name} (for {layer.GetName()})";
            if (conv.Ints("kernel_shape") is not [var kh, var kw] || kh != layer.Kernel || kw != layer.Kernel
                || conv.Ints("strides") is not [var sh, var sw] || sh != layer.Stride || sw != layer.Stride
                || OnnxPads.FromAttribute(conv.Ints("pads")) != layer.Pads
                || conv.Inputs.Count != 2)
            {
                throw new InvalidDataException(
                    $"ONNX Conv {described} has kernel [{string.Join(", ", conv.Ints("kernel_shape"))}], strides [{string.Join(", ", conv.Ints("strides"))}], pads [{string.Join(", ", conv.Ints("pads"))}]; expected {layer.Kernel}x{layer.Kernel}, stride {layer.Stride}, pads {layer.Pads}, no bias.");
            }

            if (!batchNormByInput.TryGetValue(conv.Outputs[0], out var norm) || norm.Inputs.Count != 5)
            {
                throw new InvalidDataException($"ONNX Conv {described} is not followed by a BatchNormalization.");
            }

            if (norm.Float("epsilon") is { } epsilon && Math.Abs(epsilon - ConvBatchNorm.BatchNormEpsilon) > 1e-9)
            {
                throw new InvalidDataException($"ONNX BatchNormalization {norm.Name} has epsilon {epsilon}; expected {ConvBatchNorm.BatchNormEpsilon}.");
            }

            layer.Load(
                graph.Initializer(conv.Inputs[1]),
                graph.Initializer(norm.Inputs[1]),
                graph.Initializer(norm.Inputs[2]),
                graph.Initializer(norm.Inputs[3]),
                graph.Initializer(norm.Inputs[4]));
        }
    }

    private static Tensor MaxPool(Tensor input)
    {
        if (PoolPads.ActsSymmetric(input.shape[2], input.shape[3], kernel: 3, stride: 2))
        {
            return nn.functional.max_pool2d(input, [3, 3], [2, 2], [PoolPads.Top, PoolPads.Left]);
        }

        // ONNX MaxPool ignores padded cells: pad with -inf so they never win.
        using var padded = nn.functional.pad(input, [PoolPads.Left, PoolPads.Right, PoolPads.Top, PoolPads.Bottom], value: double.NegativeInfinity);
        return nn.functional.max_pool2d(padded, [3, 3], [2, 2]);
    }
}
