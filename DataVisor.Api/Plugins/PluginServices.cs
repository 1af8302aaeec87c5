namespace DataVisor.Api.Plugins;

public static class PluginServices
{
    /// <summary>Ingest plugins: discovered and activated when the host starts, deactivated when it stops.</summary>
    public static IServiceCollection AddIngestPlugins(this IServiceCollection services)
    {
        services.AddSingleton<PluginLoader>();
        services.AddSingleton<IngestPluginRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestPluginRunner>());
        return services;
    }
}
