namespace DataVisor.Api.Configuration;

/// <summary>A <c>DATAVISOR_*</c> setting has a value the service cannot run with.</summary>
public sealed class DataVisorConfigurationException(string variable, string problem)
    : Exception($"Invalid configuration: {variable} {problem}")
{
    public string Variable { get; } = variable;
}
