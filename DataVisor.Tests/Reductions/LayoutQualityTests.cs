namespace DataVisor.Tests.Reductions;

/// <summary>The layout scores themselves, on layouts whose answer is known by construction.</summary>
public sealed class LayoutQualityTests
{
    [Fact]
    public void Separated_clusters_score_perfectly_and_mixed_ones_do_not()
    {
        // Two tight clusters 100 apart.
        double[] separated = [0, 0, 1, 0, 0, 1, 100, 100, 101, 100, 100, 101];
        int[] labels = [0, 0, 0, 1, 1, 1];
        Assert.Equal(1.0, LayoutQuality.KnnClassAgreement(separated, labels, 2));
        Assert.True(LayoutQuality.SeparationRatio(separated, labels) < 0.02);

        // Alternating labels along a line: every nearest neighbour is of the other class.
        double[] line = [0, 0, 1, 0, 2, 0, 3, 0];
        int[] alternating = [0, 1, 0, 1];
        Assert.Equal(0.0, LayoutQuality.KnnClassAgreement(line, alternating, 1));
        // Intra pairs (0,2),(1,3) are 2 apart; inter pairs (0,1),(0,3),(1,2),(2,3) average (1+3+1+1)/4 = 1.5.
        Assert.Equal(2.0 / 1.5, LayoutQuality.SeparationRatio(line, alternating), 12);
    }

    [Fact]
    public void Ties_rank_by_index_and_bad_shapes_are_rejected()
    {
        // Point 0 has points 1 (same class) and 2 (other class) at the same distance: index 1 ranks first.
        double[] layout = [0, 0, 1, 0, -1, 0];
        int[] labels = [0, 0, 1];
        Assert.Equal((1.0 + 1.0 + 0.0) / 3, LayoutQuality.KnnClassAgreement(layout, labels, 1), 12);
        Assert.Throws<ArgumentException>(() => LayoutQuality.SeparationRatio([0, 0, 1], [0, 1]));
        Assert.Throws<ArgumentException>(() => LayoutQuality.SeparationRatio([0, 0, 1, 1], [0, 0]));
    }
}
