using System.Data.Common;
using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Samples;

/// <summary>Annotations of one or many samples (R12, R13), in annotation order (ascending seq, §2.11).</summary>
public sealed class AnnotationReader(DuckDbDatabase database)
{
    private const string Columns =
        "a.id, a.dataset_id, a.sample_id, a.category_name, a.bbox_x, a.bbox_y, a.bbox_w, a.bbox_h, a.area, a.is_crowd, a.source, a.confidence";

    /// <summary>R12: only samples with (matching) annotations appear in the result.</summary>
    public Dictionary<string, List<Annotation>> ForSamples(string datasetId, IReadOnlyList<string> sampleIds, IReadOnlyList<string> sources)
    {
        var bySample = new Dictionary<string, List<Annotation>>(StringComparer.Ordinal);
        if (sampleIds.Count == 0)
        {
            return bySample;
        }

        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM annotations a
            WHERE a.dataset_id = $dataset_id AND a.sample_id IN (SELECT unnest($sample_ids))
            {SourceClause(sources)}
            ORDER BY a.seq, a.id
            """;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        command.Parameters.Add(new DuckDBParameter("sample_ids", sampleIds.ToList()));
        AddSources(command, sources);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var annotation = Read(reader);
            if (!bySample.TryGetValue(annotation.SampleId, out var list))
            {
                bySample[annotation.SampleId] = list = [];
            }

            list.Add(annotation);
        }

        return bySample;
    }

    /// <summary>R13: null when the sample is not in the dataset.</summary>
    public List<Annotation>? ForSample(string datasetId, string sampleId, IReadOnlyList<string> sources)
    {
        using var connection = database.OpenConnection();
        using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT count(*) FROM samples WHERE dataset_id = $dataset_id AND id = $sample_id";
            exists.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
            exists.Parameters.Add(new DuckDBParameter("sample_id", sampleId));
            if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return null;
            }
        }

        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM annotations a
            WHERE a.dataset_id = $dataset_id AND a.sample_id = $sample_id
            {SourceClause(sources)}
            ORDER BY a.seq, a.id
            """;
        command.Parameters.Add(new DuckDBParameter("dataset_id", datasetId));
        command.Parameters.Add(new DuckDBParameter("sample_id", sampleId));
        AddSources(command, sources);
        using var reader = command.ExecuteReader();
        var annotations = new List<Annotation>();
        while (reader.Read())
        {
            annotations.Add(Read(reader));
        }

        return annotations;
    }

    private static string SourceClause(IReadOnlyList<string> sources) =>
        sources.Count == 0 ? "" : "AND list_contains($sources, a.source)";

    private static void AddSources(DuckDBCommand command, IReadOnlyList<string> sources)
    {
        if (sources.Count > 0)
        {
            command.Parameters.Add(new DuckDBParameter("sources", sources.ToList()));
        }
    }

    private static Annotation Read(DbDataReader reader) => new(
        Id: reader.GetString(0),
        DatasetId: reader.GetString(1),
        SampleId: reader.GetString(2),
        CategoryName: reader.GetString(3),
        BboxX: reader.GetDouble(4),
        BboxY: reader.GetDouble(5),
        BboxW: reader.GetDouble(6),
        BboxH: reader.GetDouble(7),
        Area: reader.GetDouble(8),
        IsCrowd: reader.GetBoolean(9),
        Source: reader.GetString(10),
        Confidence: reader.IsDBNull(11) ? null : reader.GetDouble(11));
}
