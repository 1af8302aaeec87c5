using System.Diagnostics;
using System.Globalization;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Benchmarks;

/// <summary>
/// What DuckDB alone costs for the ingest's rows: the Appender writing the same sample and annotation rows
/// (from memory, no JSON) into a scratch database with the API's schema and memory limit. No ingest that
/// writes these rows can be faster than this, so it bounds the 1.5x-the-token-walk target from below.
/// </summary>
public static class IngestFloor
{
    private const string DatasetId = "00000000-0000-4000-8000-000000000001";

    /// <summary>The floor's time, and the time of each follow-up statement an ingest design might need (named probes).</summary>
    public sealed record Result(double AppendSeconds, IReadOnlyList<(string Name, double Seconds)> Probes);

    public static Result Run(string work, int images, int perImage, string memoryLimit)
    {
        var path = Path.Combine(work, $"floor-{Guid.NewGuid():N}.duckdb");
        try
        {
            using var connection = new DuckDBConnection($"Data Source={path}");
            connection.Open();
            Execute(connection, $"SET memory_limit = '{memoryLimit}'");
            DatabaseSchema.EnsureCreated(connection);
            var sampleColumns = ColumnCount(connection, "samples");

            var clock = Stopwatch.StartNew();
            using (var appender = connection.CreateAppender("samples"))
            {
                var noTags = new List<string>();
                for (var image = 1; image <= images; image++)
                {
                    var id = image.ToString(CultureInfo.InvariantCulture);
                    var row = appender.CreateRow()
                        .AppendValue(DatasetId).AppendValue(id).AppendValue($"{image:D12}.jpg").AppendValue("/data/images")
                        .AppendValue(640).AppendValue(480).AppendNullValue().AppendValue(noTags)
                        .AppendValue(id).AppendValue((long)image - 1);
                    for (var column = 10; column < sampleColumns; column++)
                    {
                        row = row.AppendNullValue();
                    }

                    row.EndRow();
                }
            }

            var samplesSeconds = clock.Elapsed.TotalSeconds;
            using (var appender = connection.CreateAppender("annotations"))
            {
                AppendAnnotations(appender, images, perImage);
            }

            var append = clock.Elapsed.TotalSeconds;
            var probes = new List<(string, double)>
            {
                ("of which samples", samplesSeconds),
                // Categories declared after the annotations (val2017's layout) would need their names set afterwards.
                ("UPDATE category_name of every appended annotation", Time(connection, """
                    UPDATE annotations SET category_name = 'class_' || category_name WHERE dataset_id = '00000000-0000-4000-8000-000000000001'
                    """)),
                ("DELETE the dataset's annotations (failed ingest cleanup)", Time(connection, """
                    DELETE FROM annotations WHERE dataset_id = '00000000-0000-4000-8000-000000000001'
                    """)),
            };

            // The same annotations appended inside one explicit transaction (commit timed separately).
            clock.Restart();
            using (var transaction = connection.BeginTransaction())
            {
                using (var appender = connection.CreateAppender("annotations"))
                {
                    AppendAnnotations(appender, images, perImage);
                }

                probes.Add(("Appender into annotations inside one transaction", clock.Elapsed.TotalSeconds));
                clock.Restart();
                transaction.Commit();
                probes.Add(("  its COMMIT", clock.Elapsed.TotalSeconds));
            }

            Execute(connection, "DELETE FROM annotations");
            Execute(connection, "SET checkpoint_threshold = '1GB'");
            clock.Restart();
            using (var appender = connection.CreateAppender("annotations"))
            {
                AppendAnnotations(appender, images, perImage);
            }

            probes.Add(("Appender into annotations, autocommit, checkpoint_threshold 1GB", clock.Elapsed.TotalSeconds));
            Execute(connection, "RESET checkpoint_threshold");
            Execute(connection, "DELETE FROM annotations");

            // The staged design: append into a TEMP table, then INSERT … SELECT into the real table.
            Execute(connection, "CREATE TEMP TABLE staged AS SELECT * FROM annotations LIMIT 0");
            clock.Restart();
            using (var appender = connection.CreateAppender("staged"))
            {
                AppendAnnotations(appender, images, perImage);
            }

            probes.Add(("Appender into a TEMP staging table", clock.Elapsed.TotalSeconds));
            probes.Add(("INSERT … SELECT staging → annotations", Time(connection, "INSERT INTO annotations SELECT * FROM staged")));
            return new Result(append, probes);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".wal");
        }
    }

    private static void AppendAnnotations(DuckDBAppender appender, int images, int perImage)
    {
        var random = new Random(7);
        long seq = 0;
        for (var image = 1; image <= images; image++)
        {
            var sampleId = image.ToString(CultureInfo.InvariantCulture);
            for (var k = 0; k < perImage; k++)
            {
                double x = random.Next(600), y = random.Next(440), w = 1 + random.Next(40), h = 1 + random.Next(40);
                appender.CreateRow()
                    .AppendValue((seq + 1).ToString(CultureInfo.InvariantCulture)).AppendValue(DatasetId).AppendValue(sampleId)
                    .AppendValue((1 + random.Next(80)).ToString(CultureInfo.InvariantCulture))
                    .AppendValue(x).AppendValue(y).AppendValue(w).AppendValue(h).AppendValue(w * h).AppendValue(false)
                    .AppendValue("ground_truth").AppendNullValue().AppendValue(seq++)
                    .EndRow();
            }
        }
    }

    private static int ColumnCount(DuckDBConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM information_schema.columns WHERE table_name = '{table}'";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static double Time(DuckDBConnection connection, string sql)
    {
        var clock = Stopwatch.StartNew();
        Execute(connection, sql);
        return clock.Elapsed.TotalSeconds;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
