using DataVisor.Api.Configuration;
using DataVisor.Api.Embeddings;
using DataVisor.Api.Jobs;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.EmbeddingJobs;

public static class EmbeddingJobServices
{
    /// <summary>The job registry (shared by every job kind), embedding generation and similarity search.</summary>
    public static IServiceCollection AddEmbeddingJobs(this IServiceCollection services)
    {
        services.AddSingleton<JobRegistry>();
        // Nothing is read here: the registry lists DATAVISOR_MODELS_DIR on lookup and loads weights on first use (§6.10).
        services.AddSingleton(provider => new EmbeddingModelRegistry(
            EmbeddingModelRegistry.DefaultBuiltInModelDirectory,
            provider.GetRequiredService<IOptions<DataVisorOptions>>().Value.ModelsDirectory,
            provider.GetRequiredService<ILogger<EmbeddingModelRegistry>>()));
        services.AddSingleton<IEmbeddingModelCatalog, RegistryModelCatalog>();
        services.AddSingleton<EmbeddingStore>();
        services.AddSingleton<EmbeddingGenerator>();
        services.AddSingleton<SimilarityIndex>();
        return services;
    }
}
