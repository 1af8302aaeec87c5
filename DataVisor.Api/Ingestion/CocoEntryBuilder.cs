using System.Text.Json;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Collects the fields of one <c>categories[]</c>, <c>images[]</c> or <c>annotations[]</c> entry while
/// <see cref="CocoStreamReader"/> walks its tokens, possibly across several buffer refills. A field that
/// appears twice keeps its last value, as a JSON object loaded in Python would.
/// </summary>
internal sealed class CocoEntryBuilder
{
    private Field _field;
    private string? _id;
    private bool _idMalformed;
    private string? _name;
    private long? _categoryId;
    private string? _fileName;
    private int? _width;
    private int? _height;
    private string? _imageId;
    private readonly double[] _box = new double[4];
    private int _boxItems;
    private bool _boxNumeric;
    private double? _area;
    private bool _isCrowd;

    public enum ValueOutcome
    {
        /// <summary>The value was read, or is being skipped if it is a container.</summary>
        Consumed,

        /// <summary>The value is the <c>bbox</c> array: its items follow.</summary>
        OpenedBox,
    }

    private enum Field
    {
        Unknown,
        Id,
        Name,
        FileName,
        Width,
        Height,
        ImageId,
        CategoryId,
        Bbox,
        Area,
        IsCrowd,
    }

    public void Reset()
    {
        _field = Field.Unknown;
        _id = _name = _fileName = _imageId = null;
        _idMalformed = false;
        _categoryId = null;
        _width = _height = null;
        _boxItems = 0;
        _boxNumeric = false;
        _area = null;
        _isCrowd = false;
    }

    /// <summary>Called on a property name.</summary>
    public void SelectField(ref Utf8JsonReader reader) => _field =
        reader.ValueTextEquals("id"u8) ? Field.Id
        : reader.ValueTextEquals("name"u8) ? Field.Name
        : reader.ValueTextEquals("file_name"u8) ? Field.FileName
        : reader.ValueTextEquals("width"u8) ? Field.Width
        : reader.ValueTextEquals("height"u8) ? Field.Height
        : reader.ValueTextEquals("image_id"u8) ? Field.ImageId
        : reader.ValueTextEquals("category_id"u8) ? Field.CategoryId
        : reader.ValueTextEquals("bbox"u8) ? Field.Bbox
        : reader.ValueTextEquals("area"u8) ? Field.Area
        : reader.ValueTextEquals("iscrowd"u8) ? Field.IsCrowd
        : Field.Unknown;

    /// <summary>Called on the first token of a field's value. Containers other than the box are skipped by the caller.</summary>
    public ValueOutcome ReadValue(ref Utf8JsonReader reader, CocoSection section)
    {
        switch (section, _field)
        {
            case (CocoSection.Categories, Field.Id):
                _categoryId = CocoValues.ReadCategoryId(ref reader);
                break;
            case (CocoSection.Categories, Field.Name):
                _name = CocoValues.ReadName(ref reader);
                break;
            case (CocoSection.Images or CocoSection.Annotations, Field.Id):
                _id = CocoValues.ReadId(ref reader, out _idMalformed);
                break;
            case (CocoSection.Images, Field.FileName):
                _fileName = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                break;
            case (CocoSection.Images, Field.Width):
                _width = CocoValues.ReadDimension(ref reader);
                break;
            case (CocoSection.Images, Field.Height):
                _height = CocoValues.ReadDimension(ref reader);
                break;
            case (CocoSection.Annotations, Field.ImageId):
                // An image_id of a kind no image id can have matches no image: the annotation is an orphan.
                _imageId = CocoValues.ReadId(ref reader, out var malformed) is { } imageId && !malformed ? imageId : null;
                break;
            case (CocoSection.Annotations, Field.CategoryId):
                _categoryId = CocoValues.ReadCategoryId(ref reader);
                break;
            case (CocoSection.Annotations, Field.Bbox) when reader.TokenType == JsonTokenType.StartArray:
                _boxItems = 0;
                _boxNumeric = true;
                return ValueOutcome.OpenedBox;
            case (CocoSection.Annotations, Field.Bbox):
                _boxItems = 0;
                _boxNumeric = false;
                break;
            case (CocoSection.Annotations, Field.Area):
                _area = CocoValues.ReadNumber(ref reader);
                break;
            case (CocoSection.Annotations, Field.IsCrowd):
                _isCrowd = CocoValues.IsTruthy(ref reader);
                break;
        }

        return ValueOutcome.Consumed;
    }

    /// <summary>Called on each token directly inside <c>bbox</c>; only the first four items count.</summary>
    public void ReadBoxItem(ref Utf8JsonReader reader)
    {
        if (_boxItems < _box.Length)
        {
            if (CocoValues.ReadNumber(ref reader) is { } value)
            {
                _box[_boxItems] = value;
            }
            else
            {
                _boxNumeric = false;
            }
        }

        _boxItems++;
    }

    public CocoCategory ToCategory(long index) => new(index, _categoryId, _name);

    public CocoImage ToImage(long index) => new(index, _id, _idMalformed, _fileName, _width, _height);

    public CocoAnnotation ToAnnotation(long index)
    {
        var hasBox = _boxNumeric && _boxItems >= _box.Length;
        var (x, y, w, h) = hasBox ? (_box[0], _box[1], _box[2], _box[3]) : (0d, 0d, 0d, 0d);
        return new CocoAnnotation(index, _id, _idMalformed, _imageId, _categoryId, hasBox, x, y, w, h, _area, _isCrowd);
    }
}
