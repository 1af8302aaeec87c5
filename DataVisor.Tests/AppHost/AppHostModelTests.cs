using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using DataVisor.AppHost;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.AppHost;

/// <summary>The AppHost's application model in run and publish mode, asserted without starting it.</summary>
public sealed class AppHostModelTests
{
    [Theory]
    [InlineData("container")]
    [InlineData("process")]
    public async Task RunModeInjectsBehindProxyIntoTheApiAndExposesOnlyTheProxy(string proxyMode)
    {
        await using var builder = await CreateBuilderAsync(proxyMode);
        var api = Single<ProjectResource>(builder, "api");
        var proxy = builder.Resources.Single(r => r.Name == "proxy");

        var apiEnvironment = await ResolveEnvironmentAsync(api, builder.ExecutionContext, "DATAVISOR_BEHIND_PROXY", "DATAVISOR_DB_PATH", "DATAVISOR_DEMO_DATASET");
        Assert.Equal("true", apiEnvironment["DATAVISOR_BEHIND_PROXY"]);
        Assert.Equal("true", apiEnvironment["DATAVISOR_DEMO_DATASET"]);
        Assert.EndsWith("datavisor.duckdb", apiEnvironment["DATAVISOR_DB_PATH"]);

        Assert.All(Endpoints(api), e => Assert.False(e.IsExternal, $"api endpoint {e.Name} must not be external"));
        var proxyEndpoint = Assert.Single(Endpoints(proxy));
        Assert.Equal("http", proxyEndpoint.UriScheme);
        Assert.True(proxyEndpoint.IsExternal);
        Assert.All(builder.Resources.Where(r => r.Name != "proxy"), r => Assert.DoesNotContain(Endpoints(r), e => e.IsExternal));

        var apiHealth = api.Annotations.OfType<HealthCheckAnnotation>();
        Assert.NotEmpty(apiHealth);
        var wait = Assert.Single(proxy.Annotations.OfType<WaitAnnotation>());
        Assert.Same(api, wait.Resource);
        Assert.Equal(WaitType.WaitUntilHealthy, wait.WaitType);
    }

    [Fact]
    public async Task TheDemoDatasetParameterTurnsTheDemoOff()
    {
        await using var builder = await CreateBuilderAsync("process", "--Parameters:demo-dataset=false");
        var api = Single<ProjectResource>(builder, "api");

        var environment = await ResolveEnvironmentAsync(api, builder.ExecutionContext, "DATAVISOR_DEMO_DATASET");

        Assert.Equal("false", environment["DATAVISOR_DEMO_DATASET"]);
    }

    [Fact]
    public async Task ContainerProxyRunsPinnedCaddyWithTheCaddyfileMountedReadOnly()
    {
        await using var builder = await CreateBuilderAsync("container");
        var proxy = Single<ContainerResource>(builder, "proxy");

        var image = Assert.Single(proxy.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal("caddy", image.Image);
        Assert.Matches(@"^2\.\d+\.\d+$", image.Tag);
        var mount = Assert.Single(proxy.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal(RepositoryPaths.Combine("DataVisor.AppHost", "Caddyfile"), mount.Source);
        Assert.Equal("/etc/caddy/Caddyfile", mount.Target);
        Assert.True(mount.IsReadOnly);
        Assert.Equal(ContainerMountType.BindMount, mount.Type);
        Assert.Equal(ReverseProxyExtensions.ContainerPort, Assert.Single(Endpoints(proxy)).TargetPort);
    }

    [Theory]
    [InlineData("container")]
    [InlineData("process")]
    public async Task ProxyEnvironmentPointsAtTheApiEndpointAndCarriesABcryptHash(string proxyMode)
    {
        await using var builder = await CreateBuilderAsync(proxyMode, "--Parameters:proxy-password=correct horse");
        var api = Single<ProjectResource>(builder, "api");
        var proxy = builder.Resources.Single(r => r.Name == "proxy");

        var environment = await UnresolvedEnvironmentAsync(proxy, builder.ExecutionContext);
        var upstream = Assert.IsType<EndpointReference>(environment["DATAVISOR_API_URL"]);
        Assert.Same(api, upstream.Resource);
        Assert.Equal("http", upstream.EndpointName);
        Assert.True(environment.ContainsKey("DATAVISOR_PROXY_PORT"), "the proxy learns its listen port from the endpoint");

        var resolved = await ResolveEnvironmentAsync(proxy, builder.ExecutionContext, "DATAVISOR_PROXY_USER", "DATAVISOR_PROXY_PASSWORD_HASH");
        Assert.Equal("datavisor", resolved["DATAVISOR_PROXY_USER"]);
        var hash = resolved["DATAVISOR_PROXY_PASSWORD_HASH"];
        Assert.StartsWith("$2", hash);
        Assert.True(BCrypt.Net.BCrypt.Verify("correct horse", hash));
        Assert.DoesNotContain(environment.Values.OfType<string>(), v => v.Contains("correct horse", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublishModeBuildsTheApiImageFromDockerfileBackendWithTheRepositoryAsContext()
    {
        await using var builder = await CreateBuilderAsync(null, "--operation", "publish", "--publisher", "manifest");
        var api = builder.Resources.Single(r => r.Name == "api");
        var proxy = Single<ContainerResource>(builder, "proxy");

        var build = Assert.Single(api.Annotations.OfType<DockerfileBuildAnnotation>());
        Assert.Equal(RepositoryPaths.Root, build.ContextPath.TrimEnd('/'));
        Assert.Equal(RepositoryPaths.Combine("Dockerfile.backend"), build.DockerfilePath);
        var volume = Assert.Single(api.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal(ContainerMountType.Volume, volume.Type);
        Assert.Equal("/app/data", volume.Target);
        Assert.Equal(8000, Endpoints(api).Single(e => e.Name == "http").TargetPort);
        Assert.Equal("caddy", Assert.Single(proxy.Annotations.OfType<ContainerImageAnnotation>()).Image);
    }

    private static async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string? proxyMode, params string[] extra)
    {
        var args = new List<string> { "--DataVisor:DataDirectory=/tmp/datavisor-model-test" };
        if (proxyMode is not null)
        {
            args.Add($"--DataVisor:ProxyMode={proxyMode}");
        }

        args.AddRange(extra);
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.DataVisor_AppHost>([.. args]);
    }

    private static T Single<T>(IDistributedApplicationTestingBuilder builder, string name) where T : IResource =>
        Assert.IsType<T>(builder.Resources.Single(r => r.Name == name), exactMatch: false);

    private static IEnumerable<EndpointAnnotation> Endpoints(IResource resource) =>
        resource.Annotations.OfType<EndpointAnnotation>();

    private static async Task<Dictionary<string, object>> UnresolvedEnvironmentAsync(IResource resource, DistributedApplicationExecutionContext context)
    {
        var environment = new Dictionary<string, object>();
        var callbackContext = new EnvironmentCallbackContext(context, resource, environment);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(callbackContext);
        }

        return environment;
    }

    /// <summary>
    /// Resolves the named variables only: values that depend on allocated endpoints would wait for an
    /// allocation that never happens in a model-only test.
    /// </summary>
    private static async Task<Dictionary<string, string>> ResolveEnvironmentAsync(
        IResource resource, DistributedApplicationExecutionContext context, params string[] names)
    {
        var unresolved = await UnresolvedEnvironmentAsync(resource, context);
        var resolved = new Dictionary<string, string>();
        foreach (var name in names)
        {
            Assert.True(unresolved.TryGetValue(name, out var value), $"{resource.Name} has no {name}");
            resolved[name] = value switch
            {
                string text => text,
                IValueProvider provider => await provider.GetValueAsync() ?? string.Empty,
                _ => value.ToString() ?? string.Empty,
            };
        }

        return resolved;
    }
}
