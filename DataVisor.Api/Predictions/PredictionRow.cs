namespace DataVisor.Api.Predictions;

/// <summary>
/// One parsed prediction before it is matched to a sample. <see cref="MatchKey"/> is the source image id
/// (coco) or the file name (the other formats). Exactly one of <see cref="CategoryId"/> (coco, translated
/// through the declared categories) and <see cref="CategoryName"/> is set. <see cref="Normalized"/> boxes are
/// in 0 … 1 and get scaled by the matched sample's size.
/// </summary>
public readonly record struct PredictionRow(
    long Sequence, string MatchKey, long? CategoryId, string? CategoryName,
    double X, double Y, double Width, double Height, bool Normalized, double? Confidence);

/// <summary>The file's content cannot be parsed: <c>400 Invalid prediction file: &lt;reason&gt;</c>.</summary>
public sealed class InvalidPredictionFileException(string reason) : Exception(reason);
