using DataVisor.Tests.Infrastructure;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Samples;

/// <summary>
/// R8 over 10,000 samples, enough for filtered pages to span several rank buckets: every page of a full
/// walk must equal the same window of the order computed here.
/// </summary>
public sealed class LargeListingTests : IAsyncLifetime
{
    private const int Images = 10_000;
    private static readonly string[] Categories = ["cat", "dog", "car", "person", "bicycle"];
    private readonly IngestTestBed _bed = new();
    private string _datasetId = "";

    public async Task InitializeAsync()
    {
        var files = SyntheticCoco.WriteLarge(_bed.DataDir, Images, annotationsPerImage: 1);
        var events = await _bed.IngestAsync(files.AnnotationPath);
        _datasetId = events[^1].GetProperty("dataset_id").GetString()!;
    }

    public Task DisposeAsync()
    {
        _bed.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("id", "asc", "")]
    [InlineData("id", "desc", "category=cat")]
    [InlineData("file_name", "desc", "category=cat")]
    [InlineData("width", "asc", "category=dog&search=99")]
    [InlineData("file_name", "asc", "search=7")]
    [InlineData("split", "desc", "category=car&sample_ids=5,10,12,13,9993,nope")]
    public async Task EveryPageIsTheMatchingWindow(string sortBy, string sortDir, string filter)
    {
        // SyntheticCoco: image i is "{i:D8}.jpg", 640×480, with one annotation of category (i mod 5).
        var matching = Enumerable.Range(1, Images).Where(i => Matches(i, filter));
        var expected = (sortBy, sortDir) switch
        {
            ("file_name", "asc") => matching.OrderBy(i => i),
            ("file_name", _) => matching.OrderByDescending(i => i),
            // Equal widths and null splits: ties by id, ordinal, in the requested direction.
            (_, "asc") => matching.OrderBy(i => i.ToString(), StringComparer.Ordinal),
            _ => matching.OrderByDescending(i => i.ToString(), StringComparer.Ordinal),
        };
        var expectedIds = expected.Select(i => i.ToString()).ToList();

        var walked = new List<string>();
        for (var offset = 0; offset < expectedIds.Count + 200; offset += 170)
        {
            var page = await _bed.GetJsonAsync($"/samples?dataset_id={_datasetId}&sort_by={sortBy}&sort_dir={sortDir}&{filter}&offset={offset}&limit=170");
            Assert.Equal(expectedIds.Count, page.GetProperty("total").GetInt64());
            walked.AddRange(page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!));
        }

        Assert.Equal(expectedIds, walked);
    }

    private static bool Matches(int image, string filter)
    {
        foreach (var part in filter.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = (part.Split('=')[0], part.Split('=')[1]);
            var ok = name switch
            {
                "category" => Categories[image % 5] == value,
                "search" => $"{image:D8}.jpg".Contains(value, StringComparison.Ordinal),
                "sample_ids" => value.Split(',').Contains(image.ToString()),
                _ => throw new ArgumentException(name),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
