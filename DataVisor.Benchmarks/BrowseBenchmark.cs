using System.Diagnostics;
using System.Globalization;
using DataVisor.Api.Samples;
using DataVisor.Api.Statistics;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataVisor.Benchmarks;

/// <summary>
/// Issue 3: R8 pages (first, middle, last; every sort; with and without filters), R9 facets and R18
/// statistics on one dataset of N samples and N × k annotations, written with the Appender into a temp
/// database (much faster than an ingest), then indexed by the same <see cref="BrowseIndex"/> code the
/// ingest runs. Times the service's own query classes in process, without HTTP.
/// </summary>
public static class BrowseBenchmark
{
    internal const string DatasetId = "00000000-0000-4000-8000-000000000001";
    // 40 so that p95 is not simply the slowest run (it was with 15) on a shared, loaded machine.
    private const int Repetitions = 40;
    private static readonly string[] Splits = ["train", "val", "test"];

    /// <summary>With <paramref name="keptDatabase"/>, the database is built once there and reused by later runs.</summary>
    /// <summary><c>browse [samples] [annotations-per-sample] [kept-database-path]</c>.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        Run(
            args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
            args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10,
            args.Length > 2 ? args[2] : null);
        return Task.FromResult(0);
    }

    /// <summary><c>probe &lt;kept-database-path&gt; &lt;sql&gt;</c>: <c>$dataset_id</c> in the SQL names the benchmark dataset.</summary>
    public static Task<int> ProbeAsync(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: probe <kept-database-path> <sql>");
            return Task.FromResult(2);
        }

        Probe(args[0], args[1].Replace("$dataset_id", $"'{DatasetId}'", StringComparison.Ordinal));
        return Task.FromResult(0);
    }

    public static void Run(int sampleCount, int annotationsPerSample, string? keptDatabase)
    {
        var folder = keptDatabase is null ? Directory.CreateTempSubdirectory("datavisor-bench-") : null;
        try
        {
            var path = keptDatabase ?? Path.Combine(folder!.FullName, "bench.duckdb");
            var exists = File.Exists(path);
            // The API's DuckDB memory limit, when given, so the queries are timed under the same buffer pool.
            var memoryLimit = Environment.GetEnvironmentVariable("DATAVISOR_DUCKDB_MEMORY_LIMIT") is { Length: > 0 } raw
                ? DataVisor.Api.Configuration.DataVisorOptionsReader.MemorySize("DATAVISOR_DUCKDB_MEMORY_LIMIT", raw, raw)
                : null;
            using var database = new DuckDbDatabase(path, NullLogger<DuckDbDatabase>.Instance, memoryLimit);
            if (!exists)
            {
                Build(database, sampleCount, annotationsPerSample);
            }

            Measure(database);
        }
        finally
        {
            folder?.Delete(recursive: true);
        }
    }

    /// <summary>Times one SQL statement against a kept database and prints its profile.</summary>
    public static void Probe(string databasePath, string sql)
    {
        using var database = new DuckDbDatabase(databasePath, NullLogger<DuckDbDatabase>.Instance);
        using var connection = database.OpenConnection();
        var times = Time(() =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
            }
        });
        Console.WriteLine($"p50 {Percentile(times, 0.5):F1} ms, p95 {Percentile(times, 0.95):F1} ms");
        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN ANALYZE " + sql;
        using var plan = explain.ExecuteReader();
        while (plan.Read())
        {
            Console.WriteLine(plan.GetValue(1));
        }
    }

    private static void Build(DuckDbDatabase database, int sampleCount, int annotationsPerSample)
    {
        using var connection = database.OpenConnection();
        DatabaseSchema.EnsureCreated(connection);
        var clock = Stopwatch.StartNew();
        // Like the ingest, rows are stored in ordinal id order.
        var byId = Enumerable.Range(0, sampleCount).OrderBy(i => (i + 1).ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
        using (var appender = connection.CreateAppender("samples"))
        {
            foreach (var i in byId)
            {
                var random = Hash(i);
                var row = appender.CreateRow()
                    .AppendValue(DatasetId).AppendValue((i + 1).ToString(CultureInfo.InvariantCulture))
                    .AppendValue($"img_{random % 1_000_000_007:x8}_{i}.jpg").AppendValue("/data/images")
                    .AppendValue(320 + (int)(random % 8) * 80).AppendValue(240 + (int)(random / 8 % 6) * 60)
                    // ~2% of samples have no split, the rest are 70/20/8 train/val/test-ish.
                    .AppendValue(random % 50 == 0 ? null : Splits[(int)(random / 64 % 10) switch { < 7 => 0, < 9 => 1, _ => 2 }])
                    .AppendValue(Tags(random))
                    .AppendValue((i + 1).ToString(CultureInfo.InvariantCulture)).AppendValue((long)i);
                for (var r = 0; r < 7; r++) // sort ranks and folded file name, computed below
                {
                    row = row.AppendNullValue();
                }

                row.EndRow();
            }
        }

        Console.WriteLine($"samples appended: {sampleCount:N0} in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        long seq = 0;
        using (var appender = connection.CreateAppender("annotations"))
        {
            for (var i = 0; i < sampleCount; i++)
            {
                var sampleId = (i + 1).ToString(CultureInfo.InvariantCulture);
                for (var k = 0; k < annotationsPerSample; k++)
                {
                    var random = Hash(i * 31 + k);
                    var prediction = k >= annotationsPerSample * 6 / 10;
                    appender.CreateRow()
                        .AppendValue($"a{seq}").AppendValue(DatasetId).AppendValue(sampleId)
                        .AppendValue($"class_{Skewed(random):D2}")
                        .AppendValue(10d).AppendValue(20d).AppendValue(30d).AppendValue(40d).AppendValue(1200d)
                        .AppendValue(false).AppendValue(prediction ? "run_a" : "ground_truth")
                        .AppendValue(prediction ? (double?)(random % 1000 / 1000d) : null)
                        .AppendValue(seq++)
                        .EndRow();
                }
            }
        }

        Console.WriteLine($"annotations appended: {seq:N0} in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        using (var transaction = connection.BeginTransaction())
        {
            BrowseIndex.ComputeSampleKeys(connection, DatasetId);
            Console.WriteLine($"sort ranks: {clock.Elapsed.TotalSeconds:F1} s");
            clock.Restart();
            BrowseIndex.RefreshAnnotations(connection, DatasetId);
            Console.WriteLine($"category membership + counts: {clock.Elapsed.TotalSeconds:F1} s");
            transaction.Commit();
        }

        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = $"INSERT INTO datasets VALUES ($id, 'bench', 'coco', 'detection', '/x', '/x', now(), {sampleCount}, 0, 0, 0); CHECKPOINT";
        checkpoint.Parameters.Add(new DuckDBParameter("id", DatasetId));
        checkpoint.ExecuteNonQuery();
    }

    private static void Measure(DuckDbDatabase database)
    {
        var cache = new BrowseCache(NullLogger<BrowseCache>.Instance);
        var catalog = new SampleCatalog(database, cache);
        var statistics = new StatisticsReader(database);
        var filters = new (string Name, SampleFilter Filter)[]
        {
            ("none", Filter()),
            ("category", Filter(category: "class_07")),
            ("split", Filter(split: "val")),
            ("tag", Filter(tags: ["reviewed"])),
            ("category+split+tag", Filter(category: "class_07", split: "val", tags: ["reviewed"])),
            ("search", Filter(search: "_12")),
            // The most R8 accepts: every 200th id.
            ("sample_ids", Filter(sampleIds: [.. Enumerable.Range(0, 5000).Select(i => (i * 200 + 7).ToString(CultureInfo.InvariantCulture))])),
        };
        string[] sorts = ["id", "file_name", "width", "height", "split"];
        const int limit = 50;

        Calibrate(database);
        // Cold costs: the first request after start (or after an ingest) builds the snapshot, the first
        // tag filter after a tag write reloads the tag part, the first filter on a category loads it.
        Console.WriteLine($"cold: snapshot build {Once(() => catalog.List(Filter(), SampleOrder.For("id", "asc"), 0, limit)):F0} ms, "
            + $"tag part {Once(() => catalog.List(Filter(tags: ["reviewed"]), SampleOrder.For("id", "asc"), 0, limit)):F0} ms, "
            + $"one category {Once(() => catalog.List(Filter(category: "class_07"), SampleOrder.For("id", "asc"), 0, limit)):F0} ms");
        Console.WriteLine();
        Console.WriteLine("| filter | matches | page | p50 ms (worst sort) | p95 ms (worst sort) | worst sort+dir |");
        Console.WriteLine("|---|---:|---|---:|---:|---|");
        foreach (var (name, filter) in filters)
        {
            var total = catalog.List(filter, SampleOrder.For("id", "asc"), 0, limit).Total;
            foreach (var (page, offset) in new[] { ("first", 0L), ("middle", total / 2), ("last", Math.Max(0, total - limit)) })
            {
                double worstP50 = 0, worstP95 = 0;
                var worst = "";
                foreach (var sort in sorts)
                {
                    foreach (var dir in new[] { "asc", "desc" })
                    {
                        var order = SampleOrder.For(sort, dir);
                        var times = Time(() => catalog.List(filter, order, offset, limit));
                        var p95 = Percentile(times, 0.95);
                        worstP50 = Math.Max(worstP50, Percentile(times, 0.5));
                        if (p95 >= worstP95)
                        {
                            worstP95 = p95;
                            worst = $"{sort} {dir}";
                        }
                    }
                }

                Console.WriteLine($"| {name} | {total:N0} | {page} | {worstP50:F1} | {worstP95:F1} | {worst} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine("| request | p50 ms | p95 ms |");
        Console.WriteLine("|---|---:|---:|");
        Report("R9 filter-facets", Time(() => catalog.Facets(DatasetId)));
        Report("R18 statistics", Time(() => statistics.Read(DatasetId, null)));
        Report("R18 statistics?split=val", Time(() => statistics.Read(DatasetId, "val")));
        var annotations = new AnnotationReader(database);
        var pageIds = catalog.List(Filter(), SampleOrder.For("file_name", "asc"), 500_000, 50).Items.Select(i => i.Id).ToList();
        Report("R12 batch-annotations, 50 samples", Time(() => annotations.ForSamples(DatasetId, pageIds, [])));
        Report("R13 annotations of one sample", Time(() => annotations.ForSample(DatasetId, pageIds[0], [])));
        Console.WriteLine($"browse cache: {cache.CachedBytes / 1_000_000.0:F1} MB managed (snapshot + tag part + categories loaded so far)");
        Calibrate(database);
    }

    /// <summary>
    /// The plain queries the notes measured on an idle machine (ORDER BY file_name OFFSET 500000 ~440 ms,
    /// ORDER BY id OFFSET 500000 ~8 ms), timed now: on a shared machine compare ratios, not absolute times.
    /// </summary>
    private static void Calibrate(DuckDbDatabase database)
    {
        using var connection = database.OpenConnection();
        foreach (var key in new[] { "file_name", "id" })
        {
            var times = Time(() =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT id, file_name FROM samples WHERE dataset_id = $dataset_id ORDER BY {key} LIMIT 50 OFFSET 500000";
                command.Parameters.Add(new DuckDBParameter("dataset_id", DatasetId));
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                }
            }, repetitions: 5);
            Console.WriteLine($"calibration: plain ORDER BY {key} LIMIT 50 OFFSET 500000: p50 {Percentile(times, 0.5):F1} ms; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        }
    }

    private static SampleFilter Filter(string? category = null, string? split = null, string? search = null, List<string>? tags = null, List<string>? sampleIds = null) =>
        new(DatasetId, category, split, search, tags ?? [], sampleIds ?? []);

    private static double Once(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static List<double> Time(Action action, int repetitions = Repetitions)
    {
        action(); // warm-up
        var times = new List<double>(repetitions);
        for (var i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return times;
    }

    private static void Report(string name, List<double> times) =>
        Console.WriteLine($"| {name} | {Percentile(times, 0.5):F1} | {Percentile(times, 0.95):F1} |");

    private static double Percentile(List<double> times, double fraction)
    {
        var sorted = times.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
    }

    private static List<string> Tags(ulong random) => (random % 100) switch
    {
        < 5 => ["reviewed", "dark"],
        < 20 => ["reviewed"],
        < 25 => ["dark"],
        _ => [],
    };

    /// <summary>80 categories, a few common and many rare, like COCO.</summary>
    private static int Skewed(ulong random)
    {
        var u = random % 10_000 / 10_000d;
        return (int)(80 * u * u);
    }

    private static ulong Hash(long value)
    {
        var x = (ulong)value + 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
