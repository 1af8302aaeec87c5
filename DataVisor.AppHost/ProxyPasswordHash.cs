namespace DataVisor.AppHost;

/// <summary>The bcrypt hash Caddy's basicauth expects for the proxy password.</summary>
public static class ProxyPasswordHash
{
    /// <summary>
    /// Cost 10: Caddy caches successful comparisons, but the first request of every connection pays for
    /// one verification, and a higher cost would add ~100 ms per doubling on these small machines.
    /// </summary>
    public const int WorkFactor = 10;

    public static string Create(string password) =>
        BCrypt.Net.BCrypt.HashPassword(password, WorkFactor);
}
