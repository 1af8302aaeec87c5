using DataVisor.Api.Hosting;

namespace DataVisor.Api.Annotations;

/// <summary>R38 body.</summary>
public sealed record RenameCategoryRequest(string CategoryName)
{
    public static (RenameCategoryRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var categoryName = body.RequiredString("category_name");
        return body.Problem is { } problem ? (null, problem) : (new RenameCategoryRequest(categoryName!), null);
    }
}

/// <summary>An absolute-pixel COCO box, top-left origin (contract §2.3).</summary>
public sealed record Box(double X, double Y, double Width, double Height)
{
    public static Box? From(JsonRequestBody body)
    {
        var x = body.RequiredNumber("bbox_x");
        var y = body.RequiredNumber("bbox_y");
        var width = body.RequiredNumber("bbox_w");
        var height = body.RequiredNumber("bbox_h");
        return x is null || y is null || width is null || height is null ? null : new Box(x.Value, y.Value, width.Value, height.Value);
    }

    public bool HasNegativeSize => Width < 0 || Height < 0;

    public double Area => Width * Height;
}

/// <summary>R40 body: all fields required.</summary>
public sealed record CreateAnnotationRequest(string DatasetId, string SampleId, string CategoryName, Box Box)
{
    public static (CreateAnnotationRequest? Request, ValidationErrorResponse? Problem) From(JsonRequestBody body)
    {
        var datasetId = body.RequiredString("dataset_id");
        var sampleId = body.RequiredString("sample_id");
        var categoryName = body.RequiredString("category_name");
        var box = Box.From(body);
        return body.Problem is { } problem
            ? (null, problem)
            : (new CreateAnnotationRequest(datasetId!, sampleId!, categoryName!, box!), null);
    }
}

public sealed record AnnotationUpdated(string Updated);

public sealed record AnnotationCategoryUpdated(string Updated, string CategoryName);

public sealed record AnnotationCreated(string Id);

public sealed record AnnotationDeleted(string Deleted);

/// <summary>Why an edit was refused: the status (400 or 404) and the contract's exact message.</summary>
public sealed record EditRejection(int StatusCode, string Detail)
{
    public static readonly EditRejection NotEditable = new(StatusCodes.Status404NotFound, "Annotation not found or not editable");
    public static readonly EditRejection DatasetNotFound = new(StatusCodes.Status404NotFound, "Dataset not found");
    public static readonly EditRejection SampleNotFound = new(StatusCodes.Status404NotFound, "Sample not found");
    public static readonly EditRejection EmptyCategory = new(StatusCodes.Status400BadRequest, "category_name must not be empty");
    public static readonly EditRejection NegativeSize = new(StatusCodes.Status400BadRequest, "bbox_w and bbox_h must not be negative");
}
