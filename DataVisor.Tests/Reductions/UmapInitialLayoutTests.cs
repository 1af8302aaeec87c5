using DataVisor.Api.Reductions;

namespace DataVisor.Tests.Reductions;

/// <summary>
/// UMAP's starting layout on a graph of several connected components (umap-learn's multi_component_layout):
/// each component gets its own centre and its own spectral layout, instead of collapsing to one point.
/// </summary>
public sealed class UmapInitialLayoutTests
{
    [Fact]
    public void SeparatedClustersAreComponentsWithUmapLearnsFixedCentres()
    {
        var (vectors, labels) = UmapReducerTests.GaussianClusters(clusters: 3, perCluster: 60, dimension: 32, seed: 4);
        var graph = BuildGraph(vectors);
        var random = new UmapRandom(UmapReducer.Seed);

        var components = UmapComponents.Find(graph, vectors, ref random);

        Assert.Equal(3, components.Count);
        Assert.Equal([60, 60, 60], components.Sizes);
        // Rows are interleaved by cluster, so component c is cluster c (labelled by smallest vertex).
        Assert.Equal(labels, components.Labels);
        // ±e₁, ±e₂ for up to four components, in np.vstack([base, −base]) order: e₁, e₂, −e₁.
        Assert.Equal([1.0, 0.0, 0.0, 1.0, -1.0, 0.0], components.Centres);
        // Half the distance to the nearest other centre: √2 between e₁ and e₂, and between e₂ and −e₁.
        Assert.All(components.Radii, radius => Assert.Equal(Math.Sqrt(2) / 2, radius, 12));
    }

    [Fact]
    public void EachComponentIsSpreadAcrossItsOwnDisc()
    {
        var (vectors, _) = UmapReducerTests.GaussianClusters(clusters: 6, perCluster: 50, dimension: 32, seed: 8);
        var graph = BuildGraph(vectors);
        var random = new UmapRandom(UmapReducer.Seed);
        var components = UmapComponents.Find(graph, vectors, ref random);

        var layout = UmapSpectralInit.Compute(graph, components, iterations: 300, ref random, CancellationToken.None);

        Assert.Equal(6, components.Count);
        for (var c = 0; c < components.Count; c++)
        {
            var members = Enumerable.Range(0, graph.VertexCount).Where(i => components.Labels[i] == c).ToList();
            var radius = components.Radii[c];
            Assert.True(radius > 0, $"component {c} has radius {radius}");
            var distances = members.Select(i => Math.Sqrt(
                Math.Pow(layout[2 * i] - components.Centres[2 * c], 2) + Math.Pow(layout[2 * i + 1] - components.Centres[2 * c + 1], 2))).ToList();
            // Inside its disc (the largest coordinate is scaled to the radius), and not collapsed onto the centre.
            Assert.All(distances, distance => Assert.True(distance <= radius * Math.Sqrt(2) + 1e-9, $"component {c}: {distance} > {radius}"));
            Assert.True(distances.Average() > 0.2 * radius, $"component {c}: mean distance {distances.Average()} of radius {radius}");
        }
    }

    [Fact]
    public void AConnectedGraphIsOneComponentAtTheOrigin()
    {
        // One broad cluster: every point's neighbours chain into a single component.
        var (vectors, _) = UmapReducerTests.GaussianClusters(clusters: 1, perCluster: 120, dimension: 16, seed: 2);
        var graph = BuildGraph(vectors);
        var random = new UmapRandom(UmapReducer.Seed);

        var components = UmapComponents.Find(graph, vectors, ref random);

        Assert.Equal(1, components.Count);
        Assert.Equal([0.0, 0.0], components.Centres);
        Assert.All(components.Labels, label => Assert.Equal(0, label));
    }

    private static UmapFuzzyGraph BuildGraph(VectorSet vectors) =>
        UmapFuzzyGraph.Build(
            CosineNeighbours.Compute(vectors, UmapReducer.NeighbourCount(vectors.Count) - 1, CancellationToken.None), epochs: 500);
}
