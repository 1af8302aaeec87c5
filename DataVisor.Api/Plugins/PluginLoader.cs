using DataVisor.Plugins;

namespace DataVisor.Api.Plugins;

/// <summary>A plugin instance and where it came from.</summary>
public sealed record LoadedPlugin(IIngestPlugin Plugin, string Directory);

/// <summary>
/// Finds plugin assemblies under <c>DATAVISOR_PLUGIN_DIR</c>: every <c>*.dll</c> directly in the folder, and
/// in each subfolder the assembly named like the subfolder (<c>Example/Example.dll</c>, the usual build
/// output copied as a whole). Each is loaded into its own <see cref="PluginLoadContext"/> and every public
/// concrete <see cref="IIngestPlugin"/> type in it is instantiated. A missing folder means no plugins;
/// an assembly that fails to load is logged and skipped.
/// </summary>
public sealed partial class PluginLoader(ILogger<PluginLoader> logger)
{
    public IReadOnlyList<LoadedPlugin> LoadFrom(string pluginDirectory)
    {
        if (!Directory.Exists(pluginDirectory))
        {
            LogNoPluginFolder(logger, pluginDirectory);
            return [];
        }

        var plugins = new List<LoadedPlugin>();
        foreach (var assemblyPath in FindAssemblies(pluginDirectory))
        {
            try
            {
                var context = new PluginLoadContext(assemblyPath);
                var assembly = context.LoadFromAssemblyPath(assemblyPath);
                var pluginTypes = assembly.GetExportedTypes()
                    .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IIngestPlugin).IsAssignableFrom(type))
                    .OrderBy(type => type.FullName, StringComparer.Ordinal)
                    .ToList();
                if (pluginTypes.Count == 0)
                {
                    LogNoPluginTypes(logger, assemblyPath);
                }

                foreach (var type in pluginTypes)
                {
                    if (Create(type) is { } plugin)
                    {
                        plugins.Add(new LoadedPlugin(plugin, Path.GetDirectoryName(assemblyPath)!));
                    }
                }
            }
            catch (Exception ex)
            {
                // Not an assembly, a missing dependency, a throwing constructor: this plugin only is lost.
                LogLoadFailed(logger, assemblyPath, ex);
            }
        }

        return plugins;
    }

    /// <summary>One instance per plugin type; a constructor that throws loses that plugin only.</summary>
    private IIngestPlugin? Create(Type type)
    {
        try
        {
            return (IIngestPlugin)Activator.CreateInstance(type)!;
        }
        catch (Exception ex)
        {
            LogCreateFailed(logger, type.FullName ?? type.Name, ex);
            return null;
        }
    }

    private static IEnumerable<string> FindAssemblies(string pluginDirectory)
    {
        var single = Directory.EnumerateFiles(pluginDirectory, "*.dll").Where(path => !PluginLoadContext.IsAbstractions(path));
        var folders = Directory.EnumerateDirectories(pluginDirectory)
            .Select(folder => Path.Combine(folder, Path.GetFileName(folder) + ".dll"))
            .Where(File.Exists);
        return single.Concat(folders).Order(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin folder {PluginDirectory} does not exist: no ingest plugins")]
    private static partial void LogNoPluginFolder(ILogger logger, string pluginDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plugin assembly {AssemblyPath} holds no public IIngestPlugin implementation")]
    private static partial void LogNoPluginTypes(ILogger logger, string assemblyPath);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plugin type {PluginType} could not be created; it is skipped")]
    private static partial void LogCreateFailed(ILogger logger, string pluginType, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plugin assembly {AssemblyPath} could not be loaded; it is skipped")]
    private static partial void LogLoadFailed(ILogger logger, string assemblyPath, Exception exception);
}
