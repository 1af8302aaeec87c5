using System.Text.Json.Serialization;
using DataVisor.Api.Jobs;

namespace DataVisor.Api.EmbeddingJobs;

/// <summary>R23's event data.</summary>
public sealed record EmbeddingProgress(string Status, int Processed, int Total, string Message) : IJobProgress<EmbeddingProgress>
{
    public static string JobKind => "embedding-generation";

    public static EmbeddingProgress Idle { get; } = new("idle", 0, 0, "");

    public static EmbeddingProgress DatasetDeleted { get; } = new("error", 0, 0, "Dataset deleted");

    [JsonIgnore]
    public bool IsTerminal => Status is "complete" or "error";

    public static EmbeddingProgress Running(int processed, int total) =>
        new("running", processed, total, $"Embedding {processed}/{total} images");
}
