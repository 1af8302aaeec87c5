using DataVisor.Api;
using DataVisor.Api.Analysis;
using DataVisor.Api.Annotations;
using DataVisor.Api.AutoTagging;
using DataVisor.Api.Configuration;
using DataVisor.Api.Datasets;
using DataVisor.Api.EmbeddingJobs;
using DataVisor.Api.NearDuplicates;
using DataVisor.Api.Evaluation;
using DataVisor.Api.Health;
using DataVisor.Api.Hosting;
using DataVisor.Api.Images;
using DataVisor.Api.Ingestion;
using DataVisor.Api.Predictions;
using DataVisor.Api.Reductions;
using DataVisor.Api.Tags;
using DataVisor.Api.Triage;
using DataVisor.Api.Views;
using DataVisor.Api.Samples;
using DataVisor.Api.Statistics;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

DataVisorOptions options;
try
{
    options = DataVisorOptionsReader.Read(builder.Configuration, Directory.GetCurrentDirectory());
}
catch (DataVisorConfigurationException ex)
{
    // A bad setting stops the process with a message naming the variable, not a stack trace.
    await Console.Error.WriteLineAsync(ex.Message);
    Environment.ExitCode = 2;
    return;
}

builder.AddServiceDefaults();
builder.ConfigureDataVisorKestrel(options);
builder.Services.AddDataVisor(options);

var app = builder.Build();

app.UseDataVisorErrors();
app.UseApiPathConventions();
app.UseRouting();
app.UseDataVisorCors(options);

if (app.Environment.IsDevelopment())
{
    app.MapOpenApi();
    app.MapScalarApiReference();
}

app.MapDefaultEndpoints();
app.MapHealth();
app.MapDatasets();
app.MapIngestion();
app.MapTags();
app.MapViews();
app.MapAnnotationEditing();
app.MapImages();
app.MapPredictions();
app.MapEvaluation();
app.MapTriage().MapAnnotationTriage();
app.MapSamples().MapStatistics();
app.MapEmbeddingJobs();
app.MapNearDuplicates();
app.MapAnalysis();
app.MapReductions();
app.MapAutoTagging();

await app.RunAsync();

namespace DataVisor.Api
{
    /// <summary>Entry-point marker for <c>WebApplicationFactory</c>: the AppHost has a Program too.</summary>
    public sealed class ApiEntryPoint;
}
