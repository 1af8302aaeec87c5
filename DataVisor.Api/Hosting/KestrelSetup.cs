using DataVisor.Api.Configuration;

namespace DataVisor.Api.Hosting;

/// <summary>Kestrel limits (contract §1.4) and the listen address (contract §8).</summary>
public static class KestrelSetup
{
    /// <summary>Lasso selections send up to 5000 ids in the query string: about 240 KB.</summary>
    public const int MaxRequestLineBytes = 320 * 1024;

    public static WebApplicationBuilder ConfigureDataVisorKestrel(this WebApplicationBuilder builder, DataVisorOptions options)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestLineSize = MaxRequestLineBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxRequestLineBytes + 64 * 1024;
            // HTTP/2 carries the path in a header field.
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = MaxRequestLineBytes;
        });

        if (!HasUrlConfiguration(builder.Configuration))
        {
            builder.WebHost.UseUrls($"http://{FormatHost(options.Host)}:{options.Port}");
        }

        return builder;
    }

    /// <summary>ASP.NET Core's own URL settings (including the ports Aspire injects) take precedence.</summary>
    private static bool HasUrlConfiguration(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

    private static string FormatHost(string host) =>
        host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
