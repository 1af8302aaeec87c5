namespace DataVisor.Api.Ingestion;

/// <summary>The three arrays of a COCO file that an ingest reads (contract §5.2).</summary>
public enum CocoSection
{
    Categories,
    Images,
    Annotations,
}

/// <summary>What <see cref="CocoStreamReader.Read"/> found.</summary>
public enum CocoReadStatus
{
    /// <summary>The buffer holds no complete token: call <see cref="CocoStreamReader.FillAsync"/>.</summary>
    NeedMoreData,
    Category,
    Image,
    Annotation,

    /// <summary>An array ended (or was null); see <see cref="CocoStreamReader.CompletedSection"/>.</summary>
    SectionEnd,

    /// <summary>The root object closed and nothing but whitespace followed.</summary>
    End,
}

/// <summary>A <c>categories[]</c> entry; id or name is null when absent or unusable.</summary>
public readonly record struct CocoCategory(long Index, long? Id, string? Name);

/// <summary>
/// An <c>images[]</c> entry. <see cref="Id"/> is the id as text (integers in decimal); null when absent or
/// null. <see cref="IdMalformed"/> marks an id of a kind no id can have (bool, object, array).
/// </summary>
public readonly record struct CocoImage(long Index, string? Id, bool IdMalformed, string? FileName, int? Width, int? Height);

/// <summary>
/// An <c>annotations[]</c> entry. <see cref="HasBox"/> is false when <c>bbox</c> was missing, short or
/// not numeric, in which case the box is all zeros.
/// </summary>
public readonly record struct CocoAnnotation(
    long Index,
    string? Id,
    bool IdMalformed,
    string? ImageId,
    long? CategoryId,
    bool HasBox,
    double X,
    double Y,
    double Width,
    double Height,
    double? Area,
    bool IsCrowd);

/// <summary>A problem with the annotation file; the message names the file and is shown to the user.</summary>
public sealed class CocoFileException(string message) : Exception(message);
