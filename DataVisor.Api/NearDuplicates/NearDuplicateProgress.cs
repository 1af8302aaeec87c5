using System.Text.Json.Serialization;
using DataVisor.Api.Jobs;

namespace DataVisor.Api.NearDuplicates;

/// <summary>R30's event data (§4.10, messages §6.11).</summary>
public sealed record NearDuplicateProgress(string Status, double Progress, int Scanned, int Total, int GroupsFound, string Message) : IJobProgress<NearDuplicateProgress>
{
    public static string JobKind => "near-duplicate-detection";

    public static NearDuplicateProgress Idle { get; } = new("idle", 0, 0, 0, 0, "Not started");

    public static readonly NearDuplicateProgress Preparing = new("scanning", 0, 0, 0, 0, "Preparing...");

    public static readonly NearDuplicateProgress Failed = new("error", 0, 0, 0, 0, "Detection failed -- check server logs");

    public static NearDuplicateProgress DatasetDeleted { get; } = new("error", 0, 0, 0, 0, "Dataset deleted");

    public static readonly NearDuplicateProgress NoEmbeddings = new("complete", 1, 0, 0, 0, "No embeddings found");

    [JsonIgnore]
    public bool IsTerminal => Status is "complete" or "error";

    public static NearDuplicateProgress Scanning(int scanned, int total) =>
        new("scanning", (double)scanned / total, scanned, total, 0, $"Scanning {scanned}/{total} embeddings...");

    public static NearDuplicateProgress Grouping(int total) => new("grouping", 1, total, total, 0, "Grouping duplicates...");

    public static NearDuplicateProgress Complete(int total, int groups, int duplicates) =>
        new("complete", 1, total, total, groups, $"Found {groups} duplicate groups ({duplicates} images)");
}
