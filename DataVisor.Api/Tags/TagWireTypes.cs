using DataVisor.Api.Hosting;

namespace DataVisor.Api.Tags;

/// <summary>R10/R11 body: <c>{"dataset_id", "sample_ids", "tag"}</c>, all required.</summary>
public sealed record BulkTagRequest(string DatasetId, IReadOnlyList<string> SampleIds, string Tag)
{
    public static (BulkTagRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var datasetId = body.RequiredString("dataset_id");
        var sampleIds = body.RequiredStringList("sample_ids");
        var tag = body.RequiredString("tag");
        return body.Problem is { } problem ? (null, problem) : (new BulkTagRequest(datasetId!, sampleIds!, tag!), null);
    }
}

public sealed record BulkTagged(int Tagged);

public sealed record BulkUntagged(int Untagged);

/// <summary>R42 body: <c>{"dataset_id", "sample_id", "tag"}</c>, all required.</summary>
public sealed record TriageTagRequest(string DatasetId, string SampleId, string Tag)
{
    public static (TriageTagRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var datasetId = body.RequiredString("dataset_id");
        var sampleId = body.RequiredString("sample_id");
        var tag = body.RequiredString("tag");
        return body.Problem is { } problem ? (null, problem) : (new TriageTagRequest(datasetId!, sampleId!, tag!), null);
    }
}

public sealed record TriageTagSet(string SampleId, string Tag);

public sealed record TriageTagCleared(string SampleId, bool Cleared);
