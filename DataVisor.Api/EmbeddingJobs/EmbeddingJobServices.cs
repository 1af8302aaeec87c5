using DataVisor.Api.Embeddings;
using DataVisor.Api.Jobs;

namespace DataVisor.Api.EmbeddingJobs;

public static class EmbeddingJobServices
{
    /// <summary>The job registry (shared by every job kind), embedding generation and similarity search.</summary>
    public static IServiceCollection AddEmbeddingJobs(this IServiceCollection services)
    {
        services.AddSingleton<JobRegistry>();
        services.AddSingleton(_ => new EmbeddingModelRegistry(EmbeddingModelRegistry.DefaultBuiltInModelDirectory));
        services.AddSingleton<IEmbeddingModelCatalog, RegistryModelCatalog>();
        services.AddSingleton<EmbeddingStore>();
        services.AddSingleton<EmbeddingGenerator>();
        services.AddSingleton<SimilarityIndex>();
        return services;
    }
}
