using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Images;

/// <summary>Where a sample's file is stored, as ingested: its image folder and its file name within it.</summary>
public sealed record SampleImage(string ImageDir, string FileName);

public sealed class SampleImageStore(DuckDbDatabase database)
{
    /// <summary>Null when the dataset or the sample does not exist (always scoped by dataset, D1).</summary>
    public SampleImage? Find(string datasetId, string sampleId)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT image_dir, file_name FROM samples WHERE dataset_id = $dataset AND id = $sample";
        command.Parameters.Add(new DuckDBParameter("dataset", datasetId));
        command.Parameters.Add(new DuckDBParameter("sample", sampleId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new SampleImage(reader.GetString(0), reader.GetString(1)) : null;
    }
}
