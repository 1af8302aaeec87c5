using DataVisor.Api.Reductions;
using DataVisor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.Reductions;

/// <summary>
/// Every reducer AddReductions registers (PCA here; t-SNE and UMAP once they are registered too), resolved
/// from the running service: deterministic output and well-separated clusters kept apart.
/// </summary>
public sealed class RegisteredReducerTests
{
    public static TheoryData<string> Registered()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in new ServiceCollection().AddReductions().Where(d => d.ServiceType == typeof(IDimensionReducer)))
        {
            data.Add(descriptor.ImplementationType!.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void A_registered_reducer_is_deterministic_and_separates_clusters(string implementation)
    {
        using var temp = new TempDirectory("datavisor-reducers");
        using var api = new ApiFactory(temp.Path);
        var reducers = api.Services.GetServices<IDimensionReducer>().ToList();
        var reducer = Assert.Single(reducers, candidate => candidate.GetType().Name == implementation);
        Assert.Contains(reducer.Method, ReductionJob.Methods);
        Assert.Single(reducers, candidate => candidate.Method == reducer.Method);

        var (vectors, labels) = ClusteredVectors.Generate(clusters: 3, perCluster: 60, dimension: 24, noise: 0.3, seed: 42);
        var layout = reducer.Reduce(vectors, CancellationToken.None);
        Assert.Equal(2 * vectors.Count, layout.Length);
        Assert.All(layout, value => Assert.True(double.IsFinite(value)));
        Assert.Equal(layout, reducer.Reduce(vectors, CancellationToken.None));

        var agreement = LayoutQuality.KnnClassAgreement(layout, labels, 10);
        var separation = LayoutQuality.SeparationRatio(layout, labels);
        Assert.True(agreement >= 0.95, $"{reducer.DisplayName}: k-NN class agreement {agreement:F3}");
        Assert.True(separation <= 0.5, $"{reducer.DisplayName}: separation ratio {separation:F3}");

        // §6.10: a single vector maps to the origin.
        Assert.Equal([0.0, 0.0], reducer.Reduce(new VectorSet(vectors.Values[..vectors.Dimension], 1, vectors.Dimension), CancellationToken.None));
    }
}
