using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataVisor.Api.Hosting;

/// <summary>One item of a 422 body (contract §1.3), shaped like the original's pydantic errors.</summary>
public sealed record ValidationIssue(
    string Type,
    IReadOnlyList<object> Loc,
    string Msg,
    object? Input,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Ctx = null);

/// <summary>The 422 body: <c>{"detail": [ValidationIssue, ...]}</c>.</summary>
public sealed record ValidationErrorResponse(IReadOnlyList<ValidationIssue> Detail);

/// <summary>
/// Builders for the 422 items routes report when they parse their own request bodies. Inputs are kept as
/// <see cref="JsonElement"/>s so the offending value is echoed exactly as the client sent it.
/// </summary>
public static class ValidationErrors
{
    /// <summary>A required field is absent; <paramref name="enclosing"/> is the object that lacks it.</summary>
    public static ValidationIssue Missing(string location, string field, JsonElement enclosing) =>
        new("missing", [location, field], "Field required", enclosing);

    /// <summary>The whole body (or query/path part) is absent.</summary>
    public static ValidationIssue MissingBody() => new("missing", ["body"], "Field required", null);

    public static ValidationIssue StringType(string location, string field, JsonElement value) =>
        new("string_type", [location, field], "Input should be a valid string", value);

    /// <summary>An item of a list field that is not a string; <paramref name="index"/> joins the location.</summary>
    public static ValidationIssue StringType(string location, string field, int index, JsonElement value) =>
        new("string_type", [location, field, index], "Input should be a valid string", value);

    public static ValidationIssue FloatType(string location, string field, JsonElement value) =>
        new("float_type", [location, field], "Input should be a valid number", value);

    public static ValidationIssue FloatParsing(string location, string field, JsonElement value) =>
        new("float_parsing", [location, field], "Input should be a valid number, unable to parse string as a number", value);

    /// <summary>
    /// A number outside [<paramref name="min"/>, <paramref name="max"/>] (<c>greater_than_equal</c> or
    /// <c>less_than_equal</c>); the bound is written as pydantic writes a float, always with a decimal point.
    /// </summary>
    public static ValidationIssue FloatOutOfRange(string location, string field, double parsed, double min, double max, object? input)
    {
        var below = parsed < min;
        var bound = (below ? min : max).ToString("R", CultureInfo.InvariantCulture);
        bound = bound.Contains('.', StringComparison.Ordinal) ? bound : bound + ".0";
        return new ValidationIssue(below ? "greater_than_equal" : "less_than_equal", [location, field],
            $"Input should be {(below ? "greater than or equal to" : "less than or equal to")} {bound}", input,
            new Dictionary<string, string> { [below ? "ge" : "le"] = bound });
    }

    public static ValidationIssue ListType(string location, string field, JsonElement value) =>
        new("list_type", [location, field], "Input should be a valid list", value);

    public static ValidationIssue DictType(string location, string field, JsonElement value) =>
        new("dict_type", [location, field], "Input should be a valid dictionary", value);

    /// <summary>A required query parameter is absent; the original reports its input as null.</summary>
    public static ValidationIssue MissingQuery(string parameter) =>
        new("missing", ["query", parameter], "Field required", null);

    public static ValidationIssue DictType(JsonElement value) =>
        new("dict_type", ["body"], "Input should be a valid dictionary", value);

    /// <summary>The body is not JSON at all; <paramref name="bytePosition"/> tells the client where it broke.</summary>
    public static ValidationIssue JsonInvalid(long bytePosition, string reason) =>
        new("json_invalid", ["body", bytePosition], "JSON decode error", new Dictionary<string, string>(), new Dictionary<string, string> { ["error"] = reason });

    public static ValidationErrorResponse Problem(params IEnumerable<ValidationIssue> issues) => new([.. issues]);
}
