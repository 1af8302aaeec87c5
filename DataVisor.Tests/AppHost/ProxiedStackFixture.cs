using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using DataVisor.Tests.Infrastructure;
using TempDirectory = DataVisor.Tests.Infrastructure.TempDirectory;

namespace DataVisor.Tests.AppHost;

/// <summary>
/// The whole AppHost started for real, with the proxy as a local <c>caddy</c> process (no container engine
/// here): the API project, the Caddyfile, basic auth and the upstream wiring exactly as a developer runs it.
/// </summary>
public sealed class ProxiedStackFixture : IAsyncLifetime
{
    public const string User = "datavisor";
    public const string Password = "test-password-8f2c";

    private readonly TempDirectory _data = new("datavisor-stack");
    private DistributedApplication? _app;

    public Uri ProxyAddress { get; private set; } = new("http://unset");

    public string? MissingPrerequisite { get; private set; }

    public string DataDirectory => _data.Path;

    public async Task InitializeAsync()
    {
        if (Prerequisites.FindExecutable("caddy") is null)
        {
            MissingPrerequisite = "'caddy' is not on PATH (apt-get install caddy)";
            return;
        }

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.DataVisor_AppHost>(
        [
            "--DataVisor:ProxyMode=process",
            $"--DataVisor:DataDirectory={_data.Path}",
            $"--Parameters:proxy-password={Password}",
            "--DcpPublisher:WaitForResourceCleanup=false",
        ]);
        _app = await builder.BuildAsync();
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _app.StartAsync(startup.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("api", startup.Token);
        await _app.ResourceNotifications.WaitForResourceAsync("proxy", KnownResourceStates.Running, startup.Token);
        ProxyAddress = _app.GetEndpoint("proxy", "http");
        await WaitForProxyAsync(startup.Token);
    }

    /// <summary>Skips the calling test on a developer machine without caddy; fails it under CI.</summary>
    public void RequireRunning()
    {
        if (MissingPrerequisite is null)
        {
            return;
        }

        Assert.False(Prerequisites.IsCi, $"CI requires this prerequisite: {MissingPrerequisite}");
        throw new SkipException(MissingPrerequisite);
    }

    public HttpClient CreateClient(string? user = User, string? password = Password)
    {
        var client = new HttpClient { BaseAddress = ProxyAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _data.Dispose();
    }

    /// <summary>Caddy reports Running before it has bound its port: poll until it answers.</summary>
    private async Task WaitForProxyAsync(CancellationToken cancellationToken)
    {
        using var client = CreateClient(user: null);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("/api/health", cancellationToken);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
