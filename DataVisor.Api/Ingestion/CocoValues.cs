using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Decodes the scalar values of a COCO file the way the contract reads them (§2.10, §5.2). Each method is
/// called with the reader on the value token and never advances it.
/// </summary>
internal static class CocoValues
{
    /// <summary>
    /// An id as text: strings verbatim, integers in decimal (<c>1e3</c> is <c>1000</c>), other numbers as
    /// written. Null means absent (JSON null); <paramref name="malformed"/> flags bools and containers.
    /// </summary>
    public static string? ReadId(ref Utf8JsonReader reader, out bool malformed)
    {
        malformed = false;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var integer))
                {
                    return integer.ToString(CultureInfo.InvariantCulture);
                }

                return reader.TryGetDecimal(out var number) && number == decimal.Truncate(number)
                    ? decimal.Truncate(number).ToString(CultureInfo.InvariantCulture)
                    : RawText(ref reader);
            case JsonTokenType.Null:
                return null;
            default:
                malformed = true;
                return null;
        }
    }

    /// <summary>A category id: a JSON integer or a string holding one; anything else is unusable (null).</summary>
    public static long? ReadCategoryId(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt64(out var id) => id,
        JsonTokenType.Number when reader.TryGetDouble(out var real) && real == Math.Truncate(real) && Math.Abs(real) < 9e15 => (long)real,
        JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) => id,
        _ => null,
    };

    /// <summary>A category name: a string, or a number as written; null otherwise.</summary>
    public static string? ReadName(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => RawText(ref reader),
        _ => null,
    };

    /// <summary>A positive pixel count; null for anything else, which sends the ingest to the image header (D6).</summary>
    public static int? ReadDimension(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value))
        {
            return null;
        }

        var rounded = Math.Round(value);
        return rounded is >= 1 and <= int.MaxValue ? (int)rounded : null;
    }

    /// <summary>A finite number, or null.</summary>
    public static double? ReadNumber(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) && double.IsFinite(value) ? value : null;

    /// <summary>Python truthiness of a scalar, as the original read <c>iscrowd</c>: 1 and true are crowd.</summary>
    public static bool IsTruthy(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.Number => !reader.TryGetDouble(out var value) || value != 0,
        JsonTokenType.String => reader.ValueSpan.Length > 0,
        // Containers and null are not crowd flags any COCO tool writes; they count as "not crowd".
        _ => false,
    };

    /// <summary>Contract §2.10: ids travel unencoded in URL paths.</summary>
    public static bool IsAllowedId(string id)
    {
        if (id.Length == 0)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is '/' or '\\' or '?' or '#' or '%' || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string RawText(ref Utf8JsonReader reader) => Encoding.UTF8.GetString(reader.ValueSpan);
}
