using DataVisor.Api.Configuration;

namespace DataVisor.Api.Hosting;

/// <summary>
/// Contract §1.8. Behind the proxy the service never emits an <c>Access-Control-*</c> header, so the
/// CORS middleware is not even registered; otherwise allowed origins are echoed with credentials.
/// </summary>
public static class CorsSetup
{
    private const string PolicyName = "datavisor";

    public static IServiceCollection AddDataVisorCors(this IServiceCollection services, DataVisorOptions options)
    {
        if (!UsesCors(options))
        {
            return services;
        }

        var anyOrigin = options.CorsOrigins.Contains("*");
        var allowed = options.CorsOrigins.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return services.AddCors(cors => cors.AddPolicy(PolicyName, policy => policy
            // A predicate rather than WithOrigins: "*" must echo the caller's origin, because browsers
            // refuse a literal "*" together with credentials.
            .SetIsOriginAllowed(origin => anyOrigin || allowed.Contains(origin.TrimEnd('/')))
            .AllowCredentials()
            .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
            .AllowAnyHeader()));
    }

    public static IApplicationBuilder UseDataVisorCors(this IApplicationBuilder app, DataVisorOptions options) =>
        UsesCors(options) ? app.UseCors(PolicyName) : app;

    private static bool UsesCors(DataVisorOptions options) => !options.BehindProxy && options.CorsOrigins.Count > 0;
}
