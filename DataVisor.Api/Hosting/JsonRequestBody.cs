using System.Globalization;
using System.Text.Json;

namespace DataVisor.Api.Hosting;

/// <summary>
/// A request body read as a JSON object by the route itself, so that every way it can be wrong becomes a
/// 422 in the contract's shape (§1.3) rather than the framework's own 400. Fields are read with
/// <see cref="RequiredString"/> and <see cref="OptionalString"/>, which collect one issue per bad field.
/// </summary>
public sealed class JsonRequestBody
{
    private readonly List<ValidationIssue> _issues = [];

    private JsonRequestBody(JsonElement root) => Root = root;

    private JsonRequestBody(ValidationIssue issue) => _issues.Add(issue);

    public JsonElement Root { get; }

    /// <summary>The 422 body when any field was missing or mistyped; null while the body is usable.</summary>
    public ValidationErrorResponse? Problem => _issues.Count > 0 ? new ValidationErrorResponse(_issues.ToArray()) : null;

    /// <summary>Reads the whole body (request bodies here are small) and checks that it is one JSON object.</summary>
    public static async Task<JsonRequestBody> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return new JsonRequestBody(ValidationErrors.MissingBody());
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException ex)
        {
            return new JsonRequestBody(ValidationErrors.JsonInvalid(ex.BytePositionInLine ?? 0, ex.Message));
        }

        // Clone detaches the value from the pooled document, which can then be returned.
        using (document)
        {
            var root = document.RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object
                ? new JsonRequestBody(root)
                : new JsonRequestBody(ValidationErrors.DictType(root));
        }
    }

    /// <summary>A field that must be present and a JSON string (not null).</summary>
    public string? RequiredString(string name)
    {
        // A body that is not an object has already been reported as a whole.
        if (Root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (!Root.TryGetProperty(name, out var value))
        {
            _issues.Add(ValidationErrors.Missing("body", name, Root));
            return null;
        }

        return StringOrIssue(name, value);
    }

    /// <summary>A field that may be absent or null; when present it must be a JSON string.</summary>
    public string? OptionalString(string name)
    {
        if (Root.ValueKind != JsonValueKind.Object
            || !Root.TryGetProperty(name, out var value)
            || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return StringOrIssue(name, value);
    }

    /// <summary>
    /// A required field typed <i>number</i> (contract §1.2): a JSON number or a numeric string, finite.
    /// </summary>
    public double? RequiredNumber(string name)
    {
        if (!TryGetRequired(name, out var value))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetDouble(out var number) && double.IsFinite(number):
                return number;
            case JsonValueKind.String
                when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed):
                return parsed;
            case JsonValueKind.String or JsonValueKind.Number:
                _issues.Add(ValidationErrors.FloatParsing("body", name, value));
                return null;
            default:
                _issues.Add(ValidationErrors.FloatType("body", name, value));
                return null;
        }
    }

    /// <summary>A required JSON array of strings; each bad item is reported at its index.</summary>
    public IReadOnlyList<string>? RequiredStringList(string name)
    {
        if (!TryGetRequired(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            _issues.Add(ValidationErrors.ListType("body", name, value));
            return null;
        }

        var items = new List<string>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                items.Add(item.GetString()!);
            }
            else
            {
                _issues.Add(ValidationErrors.StringType("body", name, index, item));
            }

            index++;
        }

        return items.Count == index ? items : null;
    }

    /// <summary>A required JSON object, returned as the element the client sent (raw text intact).</summary>
    public JsonElement? RequiredObject(string name)
    {
        if (!TryGetRequired(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            return value;
        }

        _issues.Add(ValidationErrors.DictType("body", name, value));
        return null;
    }

    private bool TryGetRequired(string name, out JsonElement value)
    {
        value = default;
        if (Root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (Root.TryGetProperty(name, out value))
        {
            return true;
        }

        _issues.Add(ValidationErrors.Missing("body", name, Root));
        return false;
    }

    private string? StringOrIssue(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        _issues.Add(ValidationErrors.StringType("body", name, value));
        return null;
    }
}
