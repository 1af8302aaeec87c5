using DataVisor.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Who may pass the proxy. The password is generated on first run and kept in user secrets.
var proxyUser = builder.AddParameterWithDefault("proxy-user", "datavisor");
var proxyPassword = builder.AddParameter("proxy-password", new GenerateParameterDefault { MinLength = 20, Special = false }, secret: true, persist: true);

// A first run shows something: a generated demo dataset, ingested once (set to false to skip it).
var demoDataset = builder.AddParameterWithDefault("demo-dataset", "true");

// The API: DuckDB, TorchSharp, SkiaSharp. Only reachable through the proxy.
var api = builder.AddProject<Projects.DataVisor_Api>("api", launchProfileName: null)
    .WithHttpEndpoint(name: "http")
    .WithEnvironment("DATAVISOR_BEHIND_PROXY", "true")
    .WithDataDirectory(demoDataset)
    .WithHttpHealthCheck("/health")
    .PublishAsCpuOnlyImage();

// The edge: Caddy with basic auth in front of every route.
builder.AddReverseProxy("proxy", api, proxyUser, proxyPassword);

builder.Build().Run();
