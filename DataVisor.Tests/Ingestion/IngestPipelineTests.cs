using System.Globalization;
using System.Text.Json;
using DataVisor.Tests.Infrastructure;

namespace DataVisor.Tests.Ingestion;

/// <summary>
/// The parse and append halves of the COCO pass run on two threads and hand rows over in pooled batches
/// (Ingestion/StagingPipeline): a file many batches long must arrive whole, every row once, with its values.
/// </summary>
public sealed class IngestPipelineTests : IDisposable
{
    private readonly IngestTestBed _bed = new();

    [Fact]
    public async Task AFileOfManyBatchesIsStoredRowForRow()
    {
        // 4,000 images and 40,000 annotations: more than a dozen batches, so the batch pool is reused.
        const int images = 4_000, perImage = 10;
        var files = SyntheticCoco.WriteLarge(_bed.DataDir, images, perImage);

        var events = await _bed.IngestAsync(files.AnnotationPath);

        Assert.Equal("complete", events[^1].GetProperty("stage").GetString());
        Assert.Contains($"{images} images, {images * perImage} annotations", events[^1].GetProperty("message").GetString());
        var totals = _bed.Query("""
            SELECT (SELECT count(*) FROM samples), (SELECT count(DISTINCT id) FROM samples),
                   (SELECT count(*) FROM annotations), (SELECT count(DISTINCT id) FROM annotations),
                   (SELECT min(seq) FROM annotations), (SELECT max(seq) FROM annotations),
                   (SELECT count(*) FROM annotations WHERE CAST(id AS BIGINT) <> seq + 1)
            """).Single().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([images, images, images * perImage, images * perImage, 0, images * perImage - 1, 0], totals);

        // SyntheticCoco: annotation n (from 1) is the k-th of image i, with bbox x = 10 + 7k, w = 30 + k.
        var sampled = _bed.Query("""
            SELECT id, sample_id, bbox_x, bbox_w FROM annotations WHERE id IN ('1', '19999', '40000') ORDER BY seq
            """);
        Assert.Equal(["1", "1", 10d, 30d], sampled[0]);
        Assert.Equal(["19999", "2000", 10d + 7 * 8, 38d], sampled[1]);
        Assert.Equal(["40000", "4000", 10d + 7 * 9, 39d], sampled[2]);
    }

    public void Dispose() => _bed.Dispose();
}
