using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace DataVisor.Api.Hosting;

/// <summary>
/// Contract §1.3: every error body is <c>{"detail": ...}</c>. Unknown paths and wrong methods get the
/// fixed messages, bad requests detected by the framework keep their status, and only genuine faults
/// answer 500.
/// </summary>
public static partial class ErrorResponses
{
    public static IApplicationBuilder UseDataVisorErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, detail) = error switch
            {
                BadHttpRequestException bad => (bad.StatusCode, bad.Message),
                OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "Client closed request"),
                OperationCanceledException => (StatusCodes.Status503ServiceUnavailable, "The service is shutting down"),
                _ => (StatusCodes.Status500InternalServerError, "Internal Server Error"),
            };
            if (status == StatusCodes.Status500InternalServerError && error is not null)
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("DataVisor.Errors");
                LogUnhandled(logger, context.Request.Method, context.Request.Path, error);
            }

            await WriteDetailAsync(context, status, detail);
        }));

        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var detail = context.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => "Not Found",
                StatusCodes.Status405MethodNotAllowed => "Method Not Allowed",
                var other => ReasonPhrases.GetReasonPhrase(other),
            };
            await WriteDetailAsync(context, context.Response.StatusCode, detail);
        });

        return app;
    }

    public static async Task WriteDetailAsync(HttpContext context, int status, string detail)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { detail }));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
