using DataVisor.Api.Datasets;
using DataVisor.Api.Hosting;
using DataVisor.Api.Plugins;
using DataVisor.Api.Storage;
using DataVisor.Api.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace DataVisor.Api.Ingestion;

public static class IngestEndpoints
{
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddSingleton<IngestPlanner>();
        services.AddSingleton<IngestPublisher>();
        services.AddSingleton<ImportPlanner>();
        services.AddSingleton<IngestService>();
        services.AddIngestPlugins();
        return services;
    }

    public static IEndpointRouteBuilder MapIngestion(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/datasets").WithTags("Datasets").MapPost("/ingest", IngestDataset);
        routes.MapGroup("/ingestion").WithTags("Ingestion").MapWizard();
        return routes;
    }

    /// <summary>
    /// R2: request-level problems answer as JSON (422/400/403); everything found in the file ends the
    /// event stream with an <c>error</c> event instead (contract §1.6).
    /// </summary>
    public static async Task<Results<EmptyHttpResult, UnprocessableEntity<ValidationErrorResponse>, BadRequest<ErrorDetail>, JsonHttpResult<ErrorDetail>>> IngestDataset(
        HttpContext context,
        IngestPlanner planner,
        IngestService ingest,
        DuckDbDatabase database,
        IHostApplicationLifetime lifetime,
        IOptions<JsonOptions> json)
    {
        var body = await JsonRequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        var (request, problem) = IngestRequest.From(body);
        if (problem is not null)
        {
            return TypedResults.UnprocessableEntity(problem);
        }

        var (plan, rejection) = planner.Plan(request!);
        if (rejection is not null)
        {
            return rejection.StatusCode == StatusCodes.Status400BadRequest
                ? TypedResults.BadRequest(new ErrorDetail(rejection.Detail))
                : TypedResults.Json(new ErrorDetail(rejection.Detail), statusCode: rejection.StatusCode);
        }

        if (database.IsClosing)
        {
            return TypedResults.Json(new ErrorDetail("The service is shutting down"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return await StreamAsync(context, plan!, ingest, lifetime, json.Value.SerializerOptions, sink => sink);
    }

    /// <summary>
    /// Runs a planned ingest (R2) or import (R36) as a dialect-A stream; <paramref name="wrap"/> lets R36 add
    /// its <c>split</c> field to the events. A client that goes away, or a host that stops, cancels the
    /// ingest before its commit.
    /// </summary>
    internal static async Task<EmptyHttpResult> StreamAsync(
        HttpContext context, IngestPlan plan, IngestService ingest, IHostApplicationLifetime lifetime,
        System.Text.Json.JsonSerializerOptions json, Func<StreamEventSink, IIngestEventSink> wrap)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var stream = await ProgressStream.StartAsync(context, json);
        await ingest.RunAsync(plan, wrap(new StreamEventSink(stream, cancellation.Token)), cancellation.Token);
        return TypedResults.Empty;
    }

    /// <summary>Dialect A frames on the response; a failed write means the client is gone.</summary>
    internal sealed class StreamEventSink(ProgressStream stream, CancellationToken aborted) : IIngestEventSink
    {
        public Task SendAsync(IngestEvent ingestEvent, CancellationToken cancellationToken) => SendWireAsync(ingestEvent, cancellationToken);

        /// <summary>Any wire shape of dialect A: R36 sends its own event record.</summary>
        public Task SendWireAsync<T>(T payload, CancellationToken cancellationToken) =>
            Guard(() => stream.WriteDataAsync(payload, cancellationToken));

        public Task KeepAliveAsync(CancellationToken cancellationToken) =>
            Guard(() => stream.WriteCommentAsync(string.Empty, "\n", cancellationToken));

        private async Task Guard(Func<Task> write)
        {
            try
            {
                await write();
            }
            catch (IOException) when (aborted.IsCancellationRequested)
            {
                throw new OperationCanceledException(aborted);
            }
        }
    }
}
