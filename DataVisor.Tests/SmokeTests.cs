namespace DataVisor.Tests;

public class SmokeTests
{
    [Fact]
    public void RepositoryRootHoldsTheSolution() =>
        Assert.True(File.Exists(Infrastructure.RepositoryPaths.Combine("Dockerfile.backend")) || Directory.Exists(Infrastructure.RepositoryPaths.Combine("DataVisor.Api")));
}
