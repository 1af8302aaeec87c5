using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DataVisor.Api.Embeddings;

/// <summary>
/// A user-supplied model: one folder under <c>DATAVISOR_MODELS_DIR</c> holding a <c>model.json</c> and
/// the weights it names (format in docs/EMBEDDING-MODELS.md). Reading the manifest checks everything that
/// can be checked without loading the weights, so a broken folder is skipped when models are listed; the
/// weights themselves are only read when a job first uses the model.
/// </summary>
internal sealed partial record UserModelManifest(
    string Name,
    string Folder,
    string WeightsPath,
    string? PreprocessOnnxPath,
    float[] Mean,
    float[] Std,
    bool Bgr)
{
    public const string FileName = "model.json";

    /// <summary>The one network layout user weights can fill (the built-in model's; see the format doc).</summary>
    public const string Architecture = "resnet18";

    public EmbeddingModelDescriptor Descriptor => new(Name, ResNetFeatureExtractor.FeatureDimension, DescribePreprocessing());

    /// <summary>Reads <c>model.json</c> of <paramref name="folder"/>; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static UserModelManifest Read(string folder)
    {
        var manifestPath = Path.Combine(folder, FileName);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{manifestPath} is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{manifestPath} must hold a JSON object.");
            }

            var name = OptionalString(root, "name") ?? Path.GetFileName(folder);
            if (!ModelName().IsMatch(name))
            {
                throw new InvalidDataException($"{manifestPath}: name '{name}' must be 1-100 letters, digits, '.', '_' or '-'.");
            }

            var architecture = OptionalString(root, "architecture") ?? Architecture;
            if (architecture != Architecture)
            {
                throw new InvalidDataException($"{manifestPath}: architecture '{architecture}' is not supported; the only one is '{Architecture}'.");
            }

            if (root.TryGetProperty("dimension", out var dimension)
                && (!dimension.TryGetInt32(out var value) || value != ResNetFeatureExtractor.FeatureDimension))
            {
                throw new InvalidDataException($"{manifestPath}: dimension must be {ResNetFeatureExtractor.FeatureDimension} for '{Architecture}'.");
            }

            var weights = InsideFolder(folder, OptionalString(root, "weights") ?? "model.onnx", manifestPath, "weights");
            if (!File.Exists(weights))
            {
                throw new InvalidDataException($"{manifestPath}: the weights file {weights} does not exist.");
            }

            return ReadPreprocessing(root, name, folder, weights, manifestPath);
        }
    }

    private static UserModelManifest ReadPreprocessing(JsonElement root, string name, string folder, string weights, string manifestPath)
    {
        if (!root.TryGetProperty("preprocessing", out var preprocessing))
        {
            throw new InvalidDataException($"{manifestPath}: 'preprocessing' is required.");
        }

        if (preprocessing.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{manifestPath}: 'preprocessing' must be an object.");
        }

        if (preprocessing.TryGetProperty("size", out var size) && (!size.TryGetInt32(out var side) || side != ImagePreprocessor.Size))
        {
            throw new InvalidDataException($"{manifestPath}: preprocessing.size must be {ImagePreprocessor.Size} (the network's pooling is fixed to it).");
        }

        if (OptionalString(preprocessing, "onnx") is { } onnx)
        {
            var graph = InsideFolder(folder, onnx, manifestPath, "preprocessing.onnx");
            return File.Exists(graph)
                ? new UserModelManifest(name, folder, weights, graph, [], [], Bgr: true)
                : throw new InvalidDataException($"{manifestPath}: the preprocessing graph {graph} does not exist.");
        }

        var order = OptionalString(preprocessing, "channel_order") ?? "rgb";
        if (order is not ("rgb" or "bgr"))
        {
            throw new InvalidDataException($"{manifestPath}: preprocessing.channel_order must be 'rgb' or 'bgr'.");
        }

        var mean = Triple(preprocessing, "mean", manifestPath) ?? throw new InvalidDataException($"{manifestPath}: preprocessing needs 'mean' (or 'onnx').");
        var std = Triple(preprocessing, "std", manifestPath) ?? [1f, 1f, 1f];
        if (std.Any(value => !(value > 0) || float.IsInfinity(value)))
        {
            throw new InvalidDataException($"{manifestPath}: preprocessing.std values must be positive.");
        }

        return new UserModelManifest(name, folder, weights, null, mean, std, Bgr: order == "bgr");
    }

    /// <summary>Builds the preprocessing this manifest describes (reads the graph file when it names one).</summary>
    public ImagePreprocessor CreatePreprocessor() =>
        PreprocessOnnxPath is { } graph ? ImagePreprocessor.FromOnnx(graph) : ImagePreprocessor.PerChannel(Mean, Std, Bgr);

    private string DescribePreprocessing()
    {
        const string Common = "EXIF orientation applied; centred square crop resized to 224x224 (isotropic); ";
        if (PreprocessOnnxPath is not null)
        {
            return Common + $"RGB 0-255 to BGR minus the mean image of {Path.GetFileName(PreprocessOnnxPath)}";
        }

        var order = Bgr ? "BGR" : "RGB";
        return Common + $"{order} 0-255, minus mean [{Invariant(Mean)}], divided by std [{Invariant(Std)}]";

        static string Invariant(float[] values) => string.Join(", ", values.Select(value => value.ToString(CultureInfo.InvariantCulture)));
    }

    private static string? OptionalString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw new InvalidDataException($"'{property}' must be a string.")
            : null;

    private static float[]? Triple(JsonElement element, string property, string manifestPath)
    {
        if (!element.TryGetProperty(property, out var array))
        {
            return null;
        }

        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != 3
            || array.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.Number || !float.IsFinite(item.GetSingle())))
        {
            throw new InvalidDataException($"{manifestPath}: preprocessing.{property} must be an array of three numbers.");
        }

        return [.. array.EnumerateArray().Select(item => item.GetSingle())];
    }

    /// <summary>A file named by the manifest, which must stay inside the model's own folder.</summary>
    private static string InsideFolder(string folder, string relative, string manifestPath, string property)
    {
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal)
            ? full
            : throw new InvalidDataException($"{manifestPath}: {property} '{relative}' must be a file inside the model's folder.");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex ModelName();
}
