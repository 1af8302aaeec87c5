namespace DataVisor.Api.Analysis;

public static class AnalysisServices
{
    /// <summary>R32; the similarity index it reads for leakage comes from AddEmbeddingJobs.</summary>
    public static IServiceCollection AddAnalysis(this IServiceCollection services)
    {
        services.AddSingleton<LeakageScanner>();
        services.AddSingleton<AnalysisService>();
        return services;
    }
}
