namespace DataVisor.Api.Embeddings;

/// <summary>A float32 initializer of an ONNX graph (weights, batch-norm statistics, constants).</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, float[] Values);

/// <summary>One attribute of a node; only the kinds the embedding models read are kept.</summary>
internal sealed record OnnxAttribute(string Name, long? Int, float? Float, long[] Ints);

internal sealed record OnnxNode(
    string Name,
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    public long[] Ints(string attribute) =>
        Attributes.TryGetValue(attribute, out var value) ? value.Ints : [];

    public float? Float(string attribute) =>
        Attributes.TryGetValue(attribute, out var value) ? value.Float : null;
}

/// <summary>The parts of an ONNX graph needed to load its weights into a hand-built network.</summary>
internal sealed record OnnxGraph(
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyDictionary<string, OnnxTensor> Initializers,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs)
{
    public OnnxTensor Initializer(string name) =>
        Initializers.TryGetValue(name, out var tensor)
            ? tensor
            : throw new InvalidDataException($"The ONNX graph has no initializer named '{name}'.");
}

/// <summary>
/// Reads an ONNX model's graph: nodes in file order (ONNX requires topological order), float32 initializers
/// and the graph's input and output names.
/// </summary>
/// <remarks>
/// Only this subset of onnx.proto is read: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5,
/// input = 11, output = 12; NodeProto.input = 1, output = 2, name = 3, op_type = 4, attribute = 5;
/// AttributeProto.name = 1, f = 2, i = 3, ints = 8; TensorProto.dims = 1, data_type = 2, float_data = 4,
/// name = 8, raw_data = 9; ValueInfoProto.name = 1. The shipped ResNet18.onnx (a CNTK export) stores its
/// weights as packed <c>float_data</c>; other exporters use <c>raw_data</c>; both are accepted.
/// Weights stored outside the file (external data) are not supported.
/// </remarks>
internal static class OnnxWeightReader
{
    private const int FloatDataType = 1;

    public static OnnxGraph Read(string path)
    {
        if (!BitConverter.IsLittleEndian)
        {
            // ONNX stores tensors little-endian and they are reinterpreted in place.
            throw new PlatformNotSupportedException("Reading ONNX weights needs a little-endian host.");
        }

        return Parse(File.ReadAllBytes(path));
    }

    public static OnnxGraph Parse(ReadOnlySpan<byte> model)
    {
        var reader = new ProtoWireReader(model);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 7 && wireType == ProtoWireReader.WireType.LengthDelimited)
            {
                return ParseGraph(reader.ReadLengthDelimited());
            }

            reader.Skip(wireType);
        }

        throw new InvalidDataException("The file holds no ONNX graph.");
    }

    private static OnnxGraph ParseGraph(ReadOnlySpan<byte> graph)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = new List<string>();
        var outputs = new List<string>();
        var reader = new ProtoWireReader(graph);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1 when wireType == ProtoWireReader.WireType.LengthDelimited:
                    nodes.Add(ParseNode(reader.ReadLengthDelimited()));
                    break;
                case 5 when wireType == ProtoWireReader.WireType.LengthDelimited:
                    var tensor = ParseTensor(reader.ReadLengthDelimited());
                    initializers[tensor.Name] = tensor;
                    break;
                case 11 when wireType == ProtoWireReader.WireType.LengthDelimited:
                    inputs.Add(ParseValueInfoName(reader.ReadLengthDelimited()));
                    break;
                case 12 when wireType == ProtoWireReader.WireType.LengthDelimited:
                    outputs.Add(ParseValueInfoName(reader.ReadLengthDelimited()));
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        // ONNX lists initializers among the graph inputs in older opsets; the real inputs are the others.
        inputs.RemoveAll(initializers.ContainsKey);
        return new OnnxGraph(nodes, initializers, inputs, outputs);
    }

    private static OnnxNode ParseNode(ReadOnlySpan<byte> node)
    {
        string name = "", opType = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        var reader = new ProtoWireReader(node);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    inputs.Add(reader.ReadString());
                    break;
                case 2:
                    outputs.Add(reader.ReadString());
                    break;
                case 3:
                    name = reader.ReadString();
                    break;
                case 4:
                    opType = reader.ReadString();
                    break;
                case 5:
                    var attribute = ParseAttribute(reader.ReadLengthDelimited());
                    attributes[attribute.Name] = attribute;
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new OnnxNode(name, opType, inputs, outputs, attributes);
    }

    private static OnnxAttribute ParseAttribute(ReadOnlySpan<byte> attribute)
    {
        string name = "";
        long? integer = null;
        float? real = null;
        var ints = new List<long>();
        var reader = new ProtoWireReader(attribute);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    name = reader.ReadString();
                    break;
                case 2 when wireType == ProtoWireReader.WireType.Fixed32:
                    real = reader.ReadFixed32Float();
                    break;
                case 3 when wireType == ProtoWireReader.WireType.Varint:
                    integer = (long)reader.ReadVarint();
                    break;
                case 8:
                    reader.ReadInt64s(wireType, ints);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new OnnxAttribute(name, integer, real, [.. ints]);
    }

    private static OnnxTensor ParseTensor(ReadOnlySpan<byte> tensor)
    {
        string name = "";
        long dataType = 0;
        var dims = new List<long>();
        var floatData = new List<float>();
        float[]? rawData = null;
        var reader = new ProtoWireReader(tensor);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    reader.ReadInt64s(wireType, dims);
                    break;
                case 2:
                    dataType = (long)reader.ReadVarint();
                    break;
                case 4:
                    reader.ReadFloats(wireType, floatData);
                    break;
                case 8:
                    name = reader.ReadString();
                    break;
                case 9:
                    var raw = reader.ReadLengthDelimited();
                    if (raw.Length % sizeof(float) != 0)
                    {
                        throw new InvalidDataException($"Initializer raw data of {raw.Length} bytes is not a float32 array.");
                    }

                    rawData = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        if (dataType != FloatDataType)
        {
            throw new InvalidDataException($"Initializer '{name}' has ONNX data type {dataType}; only float32 (1) is supported.");
        }

        var values = rawData ?? [.. floatData];
        var expected = dims.Aggregate(1L, (product, dim) => product * dim);
        if (values.Length != expected)
        {
            throw new InvalidDataException(
                $"Initializer '{name}' holds {values.Length} values for dims [{string.Join(", ", dims)}] (external data is not supported).");
        }

        return new OnnxTensor(name, [.. dims], values);
    }

    private static string ParseValueInfoName(ReadOnlySpan<byte> valueInfo)
    {
        var reader = new ProtoWireReader(valueInfo);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 1)
            {
                return reader.ReadString();
            }

            reader.Skip(wireType);
        }

        return "";
    }
}
