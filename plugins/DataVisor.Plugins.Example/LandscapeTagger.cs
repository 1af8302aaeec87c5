namespace DataVisor.Plugins.Example;

/// <summary>
/// Tags every sample whose image is wider than tall as <c>landscape</c> (and taller than wide as
/// <c>portrait</c>), so that the sample grid can filter by orientation right after an ingest. Samples of
/// unknown size (0 × 0) are left alone.
/// </summary>
public sealed class LandscapeTagger : IngestPlugin
{
    public const string Landscape = "landscape";
    public const string Portrait = "portrait";

    public override string Name => "landscape-tagger";

    public override void OnSample(IngestSample sample)
    {
        if (sample.Width > sample.Height)
        {
            sample.Tags.Add(Landscape);
        }
        else if (sample.Height > sample.Width)
        {
            sample.Tags.Add(Portrait);
        }
    }
}
