using System.Text.Json;
using DataVisor.Api.Hosting;

namespace DataVisor.Api.Ingestion;

/// <summary>One split of an R36 body.</summary>
public sealed record ImportSplit(string Name, string AnnotationPath, string ImageDir);

/// <summary>The R36 body exactly as the client sent it (contract §4.12).</summary>
public sealed record ImportRequest(string DatasetName, IReadOnlyList<ImportSplit> Splits, string? Format)
{
    /// <summary>Reads the fields; a null request comes with the 422 body that explains every problem.</summary>
    public static (ImportRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var datasetName = body.RequiredString("dataset_name");
        var format = body.OptionalString("format");
        if (body.Root.ValueKind != JsonValueKind.Object)
        {
            return (null, body.Problem);
        }

        var issues = new List<ValidationIssue>(body.Problem?.Detail ?? []);
        var splits = new List<ImportSplit>();
        if (!body.Root.TryGetProperty("splits", out var list))
        {
            issues.Add(ValidationErrors.Missing("body", "splits", body.Root));
        }
        else if (list.ValueKind != JsonValueKind.Array)
        {
            issues.Add(new ValidationIssue("list_type", ["body", "splits"], "Input should be a valid list", list));
        }
        else
        {
            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (ReadSplit(item, index++, issues) is { } split)
                {
                    splits.Add(split);
                }
            }
        }

        return issues.Count > 0
            ? (null, new ValidationErrorResponse(issues))
            : (new ImportRequest(datasetName!, splits, format), null);
    }

    private static ImportSplit? ReadSplit(JsonElement item, int index, List<ValidationIssue> issues)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            issues.Add(new ValidationIssue("dict_type", ["body", "splits", index], "Input should be a valid dictionary", item));
            return null;
        }

        string? Field(string name)
        {
            if (!item.TryGetProperty(name, out var value))
            {
                issues.Add(new ValidationIssue("missing", ["body", "splits", index, name], "Field required", item));
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                issues.Add(new ValidationIssue("string_type", ["body", "splits", index, name], "Input should be a valid string", value));
                return null;
            }

            return value.GetString();
        }

        var (name, annotationPath, imageDir) = (Field("name"), Field("annotation_path"), Field("image_dir"));
        return name is null || annotationPath is null || imageDir is null ? null : new ImportSplit(name, annotationPath, imageDir);
    }
}
