using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataVisor.AppHost;

/// <summary>How the Caddy proxy runs: as the published container, or as a local process.</summary>
public enum ProxyMode
{
    /// <summary>Container when a container engine answers (always when publishing), else a local caddy.</summary>
    Auto,
    Container,
    Process,
}

/// <summary>
/// The edge of the system: Caddy with basic auth on every route, stripping <c>/api</c> and forwarding
/// everything to the API without buffering. Where no container engine runs, the same Caddyfile runs with a
/// local <c>caddy</c> binary so that a plain <c>dotnet run</c> still gives an authenticated stack.
/// </summary>
public static class ReverseProxyExtensions
{
    public const string CaddyImage = "caddy";
    public const string CaddyTag = "2.10.2";
    public const string ContainerCaddyfilePath = "/etc/caddy/Caddyfile";
    public const int ContainerPort = 8080;
    public const string ModeSetting = "DataVisor:ProxyMode";

    public static IResourceBuilder<IResourceWithEndpoints> AddReverseProxy(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<ProjectResource> api,
        IResourceBuilder<ParameterResource> user,
        IResourceBuilder<ParameterResource> password)
    {
        var caddyfile = Path.Combine(builder.AppHostDirectory, "Caddyfile");
        var mode = ResolveMode(builder);
        IResourceBuilder<IResourceWithEndpoints> proxy = mode == ProxyMode.Container
            ? builder.AddContainer(name, CaddyImage, CaddyTag)
                .WithBindMount(caddyfile, ContainerCaddyfilePath, isReadOnly: true)
                .WithHttpEndpoint(targetPort: ContainerPort, env: "DATAVISOR_PROXY_PORT")
                .WithProxySettings(api, user, password)
            : builder.AddExecutable(name, "caddy", builder.AppHostDirectory, "run", "--config", caddyfile, "--adapter", "caddyfile")
                .WithHttpEndpoint(env: "DATAVISOR_PROXY_PORT")
                .WithProxySettings(api, user, password);

        builder.Eventing.Subscribe<ResourceEndpointsAllocatedEvent>(proxy.Resource, async (evt, cancellationToken) =>
        {
            var logger = evt.Services.GetRequiredService<ILoggerFactory>().CreateLogger("DataVisor");
            var url = proxy.Resource.GetEndpoint("http").Url;
            logger.LogInformation(
                "DataVisor is at {Url} ({Mode}). Log in as '{User}' with the 'proxy-password' parameter: dashboard > Parameters, or `dotnet user-secrets list --project DataVisor.AppHost`.",
                url, mode, await user.Resource.GetValueAsync(cancellationToken));
        });

        return proxy;
    }

    private static IResourceBuilder<T> WithProxySettings<T>(
        this IResourceBuilder<T> proxy,
        IResourceBuilder<ProjectResource> api,
        IResourceBuilder<ParameterResource> user,
        IResourceBuilder<ParameterResource> password)
        where T : IResourceWithEnvironment, IResourceWithEndpoints, IResourceWithWaitSupport, IResourceWithArgs
    {
        proxy.WithEnvironment("DATAVISOR_API_URL", api.GetEndpoint("http"))
            .WithEnvironment("DATAVISOR_PROXY_USER", user)
            .WithExternalHttpEndpoints()
            .WaitFor(api);

        if (proxy.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            // The deployed container hashes the secret itself at start, so that the manifest carries only
            // a reference to the parameter, never a value derived from it.
            proxy.WithEnvironment("DATAVISOR_PROXY_PASSWORD", password)
                .WithProxyEntrypoint("sh")
                .WithArgs("-c",
                    "DATAVISOR_PROXY_PASSWORD_HASH=\"$(caddy hash-password --plaintext \"$DATAVISOR_PROXY_PASSWORD\")\" "
                    + $"exec caddy run --config {ContainerCaddyfilePath} --adapter caddyfile");
            return proxy;
        }

        return proxy.WithEnvironment(async context =>
        {
            var plain = await password.Resource.GetValueAsync(context.CancellationToken) ?? string.Empty;
            context.EnvironmentVariables["DATAVISOR_PROXY_PASSWORD_HASH"] = ProxyPasswordHash.Create(plain);
        });
    }

    private static IResourceBuilder<T> WithProxyEntrypoint<T>(this IResourceBuilder<T> proxy, string entrypoint)
        where T : IResource
    {
        if (proxy.Resource is ContainerResource container)
        {
            container.Entrypoint = entrypoint;
        }

        return proxy;
    }

    private static ProxyMode ResolveMode(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration[ModeSetting];
        var mode = string.IsNullOrWhiteSpace(configured) ? ProxyMode.Auto : Enum.Parse<ProxyMode>(configured, ignoreCase: true);
        if (mode != ProxyMode.Auto)
        {
            return mode;
        }

        if (builder.ExecutionContext.IsPublishMode || ContainerEngineAnswers())
        {
            return ProxyMode.Container;
        }

        return ExecutableOnPath("caddy") ? ProxyMode.Process : ProxyMode.Container;
    }

    /// <summary>True when <c>docker info</c> reaches an engine (a client alone is not enough).</summary>
    private static bool ContainerEngineAnswers()
    {
        if (!ExecutableOnPath("docker"))
        {
            return false;
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo("docker", "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static bool ExecutableOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, name)));
}
