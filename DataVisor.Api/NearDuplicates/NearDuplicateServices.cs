namespace DataVisor.Api.NearDuplicates;

public static class NearDuplicateServices
{
    /// <summary>Detection (R29) and its in-memory results (R31); the job registry comes from AddEmbeddingJobs.</summary>
    public static IServiceCollection AddNearDuplicates(this IServiceCollection services)
    {
        services.AddSingleton<NearDuplicatePacing>();
        services.AddSingleton<NearDuplicateResults>();
        services.AddSingleton<NearDuplicateDetector>();
        return services;
    }
}
