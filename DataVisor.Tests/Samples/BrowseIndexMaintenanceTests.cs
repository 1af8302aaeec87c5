using DataVisor.Api.Samples;

namespace DataVisor.Tests.Samples;

/// <summary>
/// The maintenance calls other writers must make (annotation edits, prediction runs): the incremental
/// ones leave the browse index exactly where a full rebuild would.
/// </summary>
public sealed class BrowseIndexMaintenanceTests : IAsyncLifetime
{
    private readonly BrowseTestData _data = new();

    public Task InitializeAsync() => _data.InitializeAsync();

    public Task DisposeAsync() => _data.DisposeAsync();

    [Fact]
    public async Task IncrementalUpdatesMatchAFullRefresh()
    {
        var datasetId = _data.DatasetId;
        _data.Bed.Query("SELECT 1");
        BrowseTestData.WithDatabase(_data.Bed, connection =>
        {
            BrowseTestData.Execute(connection, "DELETE FROM annotations WHERE dataset_id = $dataset_id AND id = '3'", datasetId);
            BrowseIndex.AdjustAnnotationCount(connection, datasetId, "2", "cat", "ground_truth", -1);
            BrowseIndex.RefreshSampleCategories(connection, datasetId, "2");
            BrowseTestData.Execute(connection, "INSERT INTO annotations VALUES ('z1', $dataset_id, '4', 'zebra', 0, 0, 1, 1, 1, false, 'run_b', 0.5, 200)", datasetId);
            BrowseIndex.AdjustAnnotationCount(connection, datasetId, "4", "zebra", "run_b", 1);
            BrowseIndex.RefreshSampleCategories(connection, datasetId, "4");
        });

        Assert.Equal(["1"], (await _data.ListAsync("category=cat")).Ids);
        Assert.Equal(["4"], (await _data.ListAsync("category=zebra&sort_by=split&sort_dir=desc")).Ids);
        var facets = (await _data.GetAsync($"/samples/filter-facets?dataset_id={datasetId}")).ToString();
        var statistics = (await _data.GetAsync($"/datasets/{datasetId}/statistics")).ToString();
        var train = (await _data.GetAsync($"/datasets/{datasetId}/statistics?split=train")).ToString();
        Assert.Contains("""{"name":"zebra","count":1}""", facets);
        Assert.Contains("""{"name":"run_b","count":1}""", facets);
        Assert.Contains("""{"category_name":"cat","gt_count":1,"pred_count":1}""", train);

        _data.Bed.Query("SELECT 1");
        BrowseTestData.WithDatabase(_data.Bed, connection => BrowseIndex.RefreshAnnotations(connection, datasetId));
        Assert.Equal(facets, (await _data.GetAsync($"/samples/filter-facets?dataset_id={datasetId}")).ToString());
        Assert.Equal(statistics, (await _data.GetAsync($"/datasets/{datasetId}/statistics")).ToString());
        Assert.Equal(train, (await _data.GetAsync($"/datasets/{datasetId}/statistics?split=train")).ToString());
        Assert.Equal(["4"], (await _data.ListAsync("category=zebra&sort_by=split&sort_dir=desc")).Ids);
    }

    [Fact]
    public async Task AnOldTenColumnMembershipTableIsSlimmedAtStartAndKeepsItsRows()
    {
        var datasetId = _data.DatasetId;
        var before = (await _data.ListAsync("category=cat&sort_by=file_name&sort_dir=desc")).Ids;
        var memberships = _data.Bed.Query("SELECT count(*) FROM sample_categories").Single()[0];
        BrowseTestData.WithDatabase(_data.Bed, connection =>
        {
            // The shape databases had before the browse snapshot: split and sort-rank copies per row.
            BrowseTestData.Execute(connection, """
                CREATE TABLE old_memberships AS
                    SELECT m.dataset_id, m.category_name, s.id AS sample_id, s.split, m.rank_id, s.rank_file_name,
                           s.rank_width, s.rank_height, s.rank_split, s.rank_split_desc
                    FROM sample_categories m JOIN samples s ON s.dataset_id = m.dataset_id AND s.rank_id = m.rank_id
                    WHERE m.dataset_id = $dataset_id;
                DROP TABLE sample_categories;
                ALTER TABLE old_memberships RENAME TO sample_categories;
                """, datasetId);
        });
        Assert.Equal(10L, _data.Bed.Query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'sample_categories'").Single()[0]);

        Assert.Equal(before, (await _data.ListAsync("category=cat&sort_by=file_name&sort_dir=desc")).Ids);
        Assert.Equal(
            ["dataset_id", "category_name", "rank_id"],
            _data.Bed.Query("SELECT column_name FROM information_schema.columns WHERE table_name = 'sample_categories' ORDER BY ordinal_position")
                .Select(row => (string)row[0]!));
        Assert.Equal(memberships, _data.Bed.Query("SELECT count(*) FROM sample_categories").Single()[0]);
    }

    [Fact]
    public async Task DatasetDeleteRemovesTheBrowseIndex()
    {
        using (var client = _data.Bed.Api.CreateClient())
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, (await client.DeleteAsync($"/datasets/{_data.DatasetId}")).StatusCode);
        }

        var facets = await _data.GetAsync($"/samples/filter-facets?dataset_id={_data.DatasetId}");
        Assert.All(facets.EnumerateObject(), p => Assert.Equal(0, p.Value.GetArrayLength()));
        Assert.Equal(0L, (await _data.ListAsync("category=cat")).Total);
        Assert.Equal(
            [0L, 0L],
            _data.Bed.Query("SELECT (SELECT count(*) FROM sample_categories), (SELECT count(*) FROM annotation_counts)").Single());
    }
}
