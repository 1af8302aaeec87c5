namespace DataVisor.Api.Reductions;

public static class ReductionServices
{
    /// <summary>
    /// R25-R27: the job, its coordinate store and one singleton <see cref="IDimensionReducer"/> per method
    /// (one line each); the job registry and embedding store come from AddEmbeddingJobs.
    /// </summary>
    public static IServiceCollection AddReductions(this IServiceCollection services)
    {
        services.AddSingleton<IDimensionReducer, PcaReducer>();
        services.AddSingleton<IDimensionReducer, TsneReducer>();
        services.AddSingleton<IDimensionReducer, UmapReducer>();
        services.AddSingleton<ReductionPacing>();
        services.AddSingleton<CoordinateStore>();
        services.AddSingleton<ReductionJob>();
        return services;
    }
}
