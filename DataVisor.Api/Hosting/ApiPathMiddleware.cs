namespace DataVisor.Api.Hosting;

/// <summary>
/// Contract §1.1: every route also answers under a leading <c>/api</c> (for clients that bypass the
/// stripping proxy), and a trailing slash is tolerated without a redirect, which would lose the
/// <c>/api</c> prefix behind the proxy. <c>/api</c> alone is not a route.
/// </summary>
public static class ApiPathMiddleware
{
    private static readonly PathString ApiPrefix = new("/api");

    /// <summary>The browsable API reference serves its page at a trailing-slash URL so that its assets
    /// resolve relative to it; trimming that slash would make it redirect forever.</summary>
    public static readonly PathString ApiReferencePath = new("/scalar");

    public static IApplicationBuilder UseApiPathConventions(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        if (HasEncodedSlash(request.Path))
        {
            // Ids never contain '/', so a path segment with an encoded one is not a route (contract §1.1);
            // Kestrel leaves %2F undecoded, which would otherwise hand "a/b" to a route as an id.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (request.Path.StartsWithSegments(ApiPrefix, StringComparison.Ordinal, out var remaining))
        {
            if (!remaining.HasValue || remaining.Value == "/")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            request.PathBase = request.PathBase.Add(ApiPrefix);
            request.Path = remaining;
        }

        var path = request.Path.Value;
        if (path is { Length: > 1 } && path[^1] == '/' && !request.Path.StartsWithSegments(ApiReferencePath))
        {
            request.Path = new PathString(path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/");
        }

        return next(context);
    });

    private static bool HasEncodedSlash(PathString path) =>
        path.Value is { } value && value.Contains("%2F", StringComparison.OrdinalIgnoreCase);
}
