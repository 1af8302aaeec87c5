using System.Globalization;
using System.Text;
using System.Text.Json;
using DataVisor.Api.Samples;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Samples;

/// <summary>
/// R8 against a straightforward reference: a generated dataset (ids whose ordinal order differs from
/// their numeric one, file names with <c>%</c>, <c>_</c>, non-ASCII letters and mixed case, many key ties, null splits, tags,
/// categories from ground truth and from a prediction run), every sort and direction, filters alone and
/// combined, and offsets at the start, middle, end and past the end. The reference sorts and filters
/// the generated rows in the test, exactly as contract §4.3 words it.
/// </summary>
public sealed class RandomizedListingTests : IDisposable
{
    private sealed record Row(string Id, string FileName, int Width, int Height, string? Split, List<string> Tags, HashSet<string> Categories);

    private static readonly string[] CategoryNames = ["cat", "dog", "car"];
    private readonly IngestTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task PagesMatchTheReference_ForEverySortDirectionFilterAndOffset()
    {
        var random = new Random(20261126);
        var (datasetId, rows) = await CreateAsync(random, count: 240);
        var someIds = string.Join(",", rows.OrderBy(_ => random.Next()).Take(40).Select(r => r.Id).Append("nope"));
        var filters = new (string Query, Func<Row, bool> Matches)[]
        {
            ("", _ => true),
            ("category=cat", r => r.Categories.Contains("cat")),
            ("category=person", r => r.Categories.Contains("person")),
            ("split=train", r => r.Split == "train"),
            ("split=nope", _ => false),
            ("tags=a", r => r.Tags.Contains("a")),
            ("tags=a,b", r => r.Tags.Contains("a") && r.Tags.Contains("b")),
            ("category=dog&split=val&tags=b", r => r.Categories.Contains("dog") && r.Split == "val" && r.Tags.Contains("b")),
            ("search=a_", r => r.FileName.Contains("a_", StringComparison.OrdinalIgnoreCase)),
            ("search=%25", r => r.FileName.Contains('%', StringComparison.Ordinal)),
            ("search=%C3%A9a", r => r.FileName.Contains("éa", StringComparison.OrdinalIgnoreCase)),
            ($"sample_ids={someIds}", r => someIds.Split(',').Contains(r.Id)),
            ($"category=car&tags=c&sample_ids={someIds}", r => r.Categories.Contains("car") && r.Tags.Contains("c") && someIds.Split(',').Contains(r.Id)),
        };
        string[] sorts = ["id", "file_name", "width", "height", "split", "bogus"];

        var byId = rows.ToDictionary(r => r.Id);
        using var client = _bed.Api.CreateClient();
        var checkedPages = 0;
        foreach (var (query, matches) in filters)
        {
            foreach (var sort in sorts)
            {
                foreach (var direction in new[] { "asc", "desc" })
                {
                    var expected = Sorted(rows.Where(matches), sort, direction).Select(r => r.Id).ToList();
                    foreach (var limit in new[] { 1, 7, 50 })
                    {
                        var total = expected.Count;
                        foreach (var offset in new[] { 0, total / 2, Math.Max(0, total - limit), Math.Max(0, total - 1), total + 3 }.Distinct())
                        {
                            var url = $"/samples?dataset_id={datasetId}&{query}&sort_by={sort}&sort_dir={direction}&offset={offset}&limit={limit}";
                            using var document = JsonDocument.Parse(await client.GetStringAsync(url));
                            var page = document.RootElement;
                            var items = page.GetProperty("items").EnumerateArray().Select(Describe).ToList();
                            var wanted = expected.Skip(offset).Take(limit).Select(id => Describe(byId[id])).ToList();
                            Assert.True(wanted.SequenceEqual(items), $"{url}: got [{string.Join(" ", items)}], expected [{string.Join(" ", wanted)}]");
                            Assert.Equal(total, page.GetProperty("total").GetInt64());
                            checkedPages++;
                        }
                    }
                }
            }
        }

        Assert.True(checkedPages > 1000, $"{checkedPages} pages checked");
    }

    /// <summary>Every listed field of a sample, tags in their stored order.</summary>
    private static string Describe(Row row) =>
        $"{row.Id}|{row.FileName}|{row.Width}|{row.Height}|{row.Split}|{string.Join(";", row.Tags)}";

    private static string Describe(JsonElement item) =>
        $"{item.GetProperty("id").GetString()}|{item.GetProperty("file_name").GetString()}|{item.GetProperty("width").GetInt32()}|"
        + $"{item.GetProperty("height").GetInt32()}|{item.GetProperty("split").GetString()}|"
        + string.Join(";", item.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

    /// <summary>Contract §4.3: key in the direction, ties by id in the same direction, null split last both ways; unknown key = id ascending.</summary>
    private static IEnumerable<Row> Sorted(IEnumerable<Row> rows, string sort, string direction)
    {
        var descending = direction == "desc" && sort != "bogus";
        var list = rows.ToList();
        list.Sort((a, b) =>
        {
            if (sort == "split" && (a.Split is null) != (b.Split is null))
            {
                return a.Split is null ? 1 : -1;
            }

            var byKey = sort switch
            {
                "file_name" => string.CompareOrdinal(a.FileName, b.FileName),
                "width" => a.Width.CompareTo(b.Width),
                "height" => a.Height.CompareTo(b.Height),
                "split" => string.CompareOrdinal(a.Split, b.Split),
                _ => 0,
            };
            var order = byKey != 0 ? byKey : string.CompareOrdinal(a.Id, b.Id);
            return descending ? -order : order;
        });
        return list;
    }

    private async Task<(string DatasetId, List<Row> Rows)> CreateAsync(Random random, int count)
    {
        const string letters = "aAbB_%xÉé";
        var rows = new List<Row>();
        var json = new StringBuilder("""{"images": [""");
        var annotations = new List<string>();
        // Images listed in a shuffled order; ids 1…count, so "10" sorts before "2".
        foreach (var number in Enumerable.Range(1, count).OrderBy(_ => random.Next()))
        {
            var name = new string([.. Enumerable.Range(0, 3).Select(_ => letters[random.Next(letters.Length)])]) + ".jpg";
            var row = new Row(number.ToString(CultureInfo.InvariantCulture), name, 8 * random.Next(1, 4), 4 * random.Next(1, 3),
                random.Next(5) switch { 0 => null, 1 or 2 => "train", 3 => "val", _ => "test" },
                [.. new[] { "c", "b", "a" }.Where(_ => random.Next(3) == 0)], []);
            rows.Add(row);
            json.Append(CultureInfo.InvariantCulture, $$"""{"id": {{number}}, "file_name": {{JsonSerializer.Serialize(name)}}, "width": {{row.Width}}, "height": {{row.Height}}},""");
            for (var k = random.Next(4); k > 0; k--)
            {
                var category = random.Next(CategoryNames.Length);
                row.Categories.Add(CategoryNames[category]);
                annotations.Add($$"""{"id": {{annotations.Count + 1}}, "image_id": {{number}}, "category_id": {{category + 1}}, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}""");
            }
        }

        json.Length--;
        json.Append("""], "annotations": [""").AppendJoin(",", annotations).Append("""], "categories": [""")
            .AppendJoin(",", CategoryNames.Select((c, i) => $$"""{"id": {{i + 1}}, "name": "{{c}}"}""")).Append("]}");
        var events = await _bed.IngestAsync(_bed.WriteFile("random.json", json.ToString()));
        var datasetId = events[^1].GetProperty("dataset_id").GetString()!;

        // What no route sets in one go: mixed splits, tags, and a prediction run whose category only it has.
        var predicted = rows.Where(_ => random.Next(6) == 0).ToList();
        predicted.ForEach(r => r.Categories.Add("person"));
        _bed.Query("SELECT 1");
        BrowseTestData.WithDatabase(_bed, connection =>
        {
            Execute(connection, """
                UPDATE samples SET split = u.split, tags = u.tags
                FROM (SELECT unnest(from_json($json, '[{"id": "VARCHAR", "split": "VARCHAR", "tags": ["VARCHAR"]}]'), recursive := true)) u
                WHERE samples.dataset_id = $dataset_id AND samples.id = u.id
                """, datasetId, JsonSerializer.Serialize(rows.Select(r => new { id = r.Id, split = r.Split, tags = r.Tags })));
            Execute(connection, """
                INSERT INTO annotations
                SELECT 'p' || id, $dataset_id, id, 'person', 1, 1, 2, 2, 4, false, 'run_a', 0.5, 100000 + row_number() OVER ()
                FROM (SELECT unnest(from_json($json, '["VARCHAR"]')) AS id)
                """, datasetId, JsonSerializer.Serialize(predicted.Select(r => r.Id)));
            BrowseIndex.ComputeSampleKeys(connection, datasetId);
            BrowseIndex.RefreshAnnotations(connection, datasetId);
        });
        return (datasetId, rows);
    }

    private static void Execute(DuckDB.NET.Data.DuckDBConnection connection, string sql, string datasetId, string json)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("dataset_id", datasetId));
        command.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("json", json));
        command.ExecuteNonQuery();
    }
}
