using System.Reflection;
using System.Runtime.Loader;
using DataVisor.Plugins;

namespace DataVisor.Api.Plugins;

/// <summary>
/// One plugin's own load context: its dependencies resolve from its folder (through its
/// <c>.deps.json</c> when present), so two plugins may carry different versions of a library. The
/// abstractions assembly is deliberately NOT loaded here: falling back to the default context makes
/// <see cref="IIngestPlugin"/> the same type for the service and every plugin.
/// </summary>
internal sealed class PluginLoadContext(string mainAssemblyPath)
    : AssemblyLoadContext(Path.GetFileNameWithoutExtension(mainAssemblyPath), isCollectible: false)
{
    private static readonly string AbstractionsName = typeof(IIngestPlugin).Assembly.GetName().Name!;

    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    public static bool IsAbstractions(string assemblyFile) =>
        string.Equals(Path.GetFileNameWithoutExtension(assemblyFile), AbstractionsName, StringComparison.OrdinalIgnoreCase);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (string.Equals(assemblyName.Name, AbstractionsName, StringComparison.Ordinal))
        {
            return null;
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
