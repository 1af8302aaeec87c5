using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DataVisor.Api.Annotations;

/// <summary>Ground-truth editing: rename (R38), move (R39), create (R40), delete (R41).</summary>
public static class AnnotationEditEndpoints
{
    public static IServiceCollection AddAnnotationEditing(this IServiceCollection services)
    {
        services.AddSingleton<GroundTruthEditor>();
        return services;
    }

    public static IEndpointRouteBuilder MapAnnotationEditing(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/annotations").WithTags("Annotations");
        group.MapPatch("/{annotationId}/category", RenameCategory);
        group.MapPut("/{annotationId}", MoveBox);
        group.MapPost("/", CreateAnnotation);
        group.MapDelete("/{annotationId}", DeleteAnnotation);
        return routes;
    }

    /// <summary>R38.</summary>
    public static async Task<Results<Ok<AnnotationCategoryUpdated>, UnprocessableEntity<ValidationErrorResponse>, JsonHttpResult<ErrorDetail>>> RenameCategory(
        string annotationId, HttpContext context, GroundTruthEditor editor)
    {
        var (request, problem) = RenameCategoryRequest.From(await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted));
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        return await editor.RenameCategoryAsync(annotationId, request!.CategoryName, context.RequestAborted) is { } rejection
            ? Refuse(rejection)
            : TypedResults.Ok(new AnnotationCategoryUpdated(annotationId, request.CategoryName));
    }

    /// <summary>R39.</summary>
    public static async Task<Results<Ok<AnnotationUpdated>, UnprocessableEntity<ValidationErrorResponse>, JsonHttpResult<ErrorDetail>>> MoveBox(
        string annotationId, HttpContext context, GroundTruthEditor editor)
    {
        var body = await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        var box = Box.From(body);
        if (body.Problem is { } problem)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        return await editor.MoveBoxAsync(annotationId, box!, context.RequestAborted) is { } rejection
            ? Refuse(rejection)
            : TypedResults.Ok(new AnnotationUpdated(annotationId));
    }

    /// <summary>R40: answers 200 (not 201), as the original does.</summary>
    public static async Task<Results<Ok<AnnotationCreated>, UnprocessableEntity<ValidationErrorResponse>, JsonHttpResult<ErrorDetail>>> CreateAnnotation(
        HttpContext context, GroundTruthEditor editor)
    {
        var (request, problem) = CreateAnnotationRequest.From(await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted));
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        var (id, rejection) = await editor.CreateAsync(request!, context.RequestAborted);
        return rejection is not null ? Refuse(rejection) : TypedResults.Ok(new AnnotationCreated(id!));
    }

    /// <summary>R41: 200 with a body, unlike the other deletes.</summary>
    public static async Task<Results<Ok<AnnotationDeleted>, JsonHttpResult<ErrorDetail>>> DeleteAnnotation(
        string annotationId, GroundTruthEditor editor, CancellationToken cancellationToken) =>
        await editor.DeleteAsync(annotationId, cancellationToken) is { } rejection
            ? Refuse(rejection)
            : TypedResults.Ok(new AnnotationDeleted(annotationId));

    private static JsonHttpResult<ErrorDetail> Refuse(EditRejection rejection) =>
        TypedResults.Json(new ErrorDetail(rejection.Detail), statusCode: rejection.StatusCode);
}
