namespace DataVisor.AppHost;

/// <summary>How the API project is configured for local runs and for deployment.</summary>
internal static class ApiResourceExtensions
{
    /// <summary>The folder the published image keeps its database and thumbnails in.</summary>
    public const string ContainerDataPath = "/app/data";

    public const string DataVolumeName = "datavisor-data";

    /// <summary>
    /// The database, thumbnails and user models live in one folder: a named volume when published, a
    /// local folder in run mode (<c>DataVisor:DataDirectory</c>, default <c>data/</c> at the repository root).
    /// </summary>
    /// <remarks>The demo dataset is a local-run convenience: a deployment never ingests it.</remarks>
    public static IResourceBuilder<ProjectResource> WithDataDirectory(this IResourceBuilder<ProjectResource> api, IResourceBuilder<ParameterResource> demoDataset)
    {
        var builder = api.ApplicationBuilder;
        if (builder.ExecutionContext.IsPublishMode)
        {
            return api;
        }

        var dataDirectory = Path.GetFullPath(
            builder.Configuration["DataVisor:DataDirectory"] ?? Path.Combine(builder.AppHostDirectory, "..", "data"));
        return api
            .WithEnvironment("DATAVISOR_DB_PATH", Path.Combine(dataDirectory, "datavisor.duckdb"))
            .WithEnvironment("DATAVISOR_THUMBNAIL_CACHE_DIR", Path.Combine(dataDirectory, "thumbnails"))
            .WithEnvironment("DATAVISOR_MODELS_DIR", Path.Combine(dataDirectory, "models"))
            .WithEnvironment("DATAVISOR_DEMO_DATASET", demoDataset)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName);
    }

    /// <summary>
    /// Deploys the API as the CPU-only image of <c>Dockerfile.backend</c>, built with the repository root
    /// as context, listening on 8000 with its data on a named volume.
    /// </summary>
    public static IResourceBuilder<ProjectResource> PublishAsCpuOnlyImage(this IResourceBuilder<ProjectResource> api)
    {
        var repositoryRoot = Path.GetFullPath(Path.Combine(api.ApplicationBuilder.AppHostDirectory, ".."));
        if (api.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            api.WithEndpoint("http", endpoint => endpoint.TargetPort = 8000);
        }

        return api.PublishAsDockerFile(container => container
            .WithDockerfile(repositoryRoot, Path.Combine(repositoryRoot, "Dockerfile.backend"))
            .WithVolume(DataVolumeName, ContainerDataPath));
    }
}
