namespace DataVisor.AppHost;

internal static class ParameterExtensions
{
    /// <summary>
    /// A parameter the user may set (<c>Parameters:&lt;name&gt;</c> in configuration, user secrets or
    /// <c>-- --Parameters:&lt;name&gt;=...</c>) and that has a default otherwise; a parameter added with a
    /// plain value ignores configuration.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddParameterWithDefault(
        this IDistributedApplicationBuilder builder, string name, string defaultValue) =>
        builder.AddParameter(name, () => builder.Configuration[$"Parameters:{name}"] ?? defaultValue);
}
