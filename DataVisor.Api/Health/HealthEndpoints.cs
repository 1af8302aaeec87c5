namespace DataVisor.Api.Health;

public static class HealthEndpoints
{
    public sealed record HealthStatus(string Status);

    /// <summary>R1: answers as soon as the database is open, which happens before the host starts.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", () => TypedResults.Ok(new HealthStatus("ok")))
            .WithName("Health")
            .WithTags("Health");
        return routes;
    }
}
