using DataVisor.Api.Analysis;
using DataVisor.Api.Annotations;
using DataVisor.Api.AutoTagging;
using DataVisor.Api.Configuration;
using DataVisor.Api.Datasets;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.NearDuplicates;
using DataVisor.Api.Hosting;
using DataVisor.Api.Images;
using DataVisor.Api.Ingestion;
using DataVisor.Api.Predictions;
using DataVisor.Api.Reductions;
using DataVisor.Api.Samples;
using DataVisor.Api.Statistics;
using DataVisor.Api.Storage;
using DataVisor.Api.Tags;
using DataVisor.Api.Telemetry;
using DataVisor.Api.Triage;
using DataVisor.Api.Views;
using Microsoft.Extensions.Options;

namespace DataVisor.Api;

public static class DataVisorServices
{
    /// <summary>Everything the API's features need, registered once.</summary>
    public static IServiceCollection AddDataVisor(this IServiceCollection services, DataVisorOptions options)
    {
        services.AddSingleton(Options.Create(options));
        services.ConfigureHttpJsonOptions(json => JsonSetup.Apply(json.SerializerOptions));
        services.AddOpenApi();
        services.AddDataVisorCors(options);
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(15));

        services.AddSingleton<DataVisorTelemetry>();
        services.AddSingleton(sp => new DuckDbDatabase(options.DatabasePath, sp.GetRequiredService<ILogger<DuckDbDatabase>>(), options.DuckDbMemoryLimit));
        services.AddHostedService<DatabaseLifetime>();
        services.AddSingleton<RowUpdateGate>();
        services.AddDatasets();
        services.AddIngestion();
        services.AddTags();
        services.AddViews();
        services.AddAnnotationEditing();
        services.AddImages();
        services.AddPredictions();
        services.AddAnnotationTriage();
        services.AddHostedService<DataVisor.Api.Demo.DemoDatasetSeeder>();
        services.AddSampleBrowsing().AddStatistics();
        services.AddEmbeddingJobs();
        services.AddNearDuplicates();
        services.AddAnalysis();
        services.AddReductions();
        services.AddAutoTagging();
        return services;
    }
}
