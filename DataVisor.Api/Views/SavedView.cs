using System.Text.Json;
using DataVisor.Api.Hosting;

namespace DataVisor.Api.Views;

/// <summary>The View wire shape (contract §4.5); <see cref="Filters"/> is the client's object, untouched.</summary>
public sealed record SavedView(string Id, string DatasetId, string Name, JsonElement Filters, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record SavedViewList(IReadOnlyList<SavedView> Views);

/// <summary>R15 body. <see cref="FiltersJson"/> is the raw text of the <c>filters</c> object as sent.</summary>
public sealed record CreateViewRequest(string DatasetId, string Name, string FiltersJson)
{
    public static (CreateViewRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var datasetId = body.RequiredString("dataset_id");
        var name = body.RequiredString("name");
        var filters = body.RequiredObject("filters");
        return body.Problem is { } problem
            ? (null, problem)
            : (new CreateViewRequest(datasetId!, name!, filters!.Value.GetRawText()), null);
    }
}
