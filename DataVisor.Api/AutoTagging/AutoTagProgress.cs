using System.Text.Json.Serialization;
using DataVisor.Api.Jobs;

namespace DataVisor.Api.AutoTagging;

/// <summary>R34's event data (§4.11, messages §6.13).</summary>
public sealed record AutoTagProgress(string Status, int Processed, int Total, string Message) : IJobProgress<AutoTagProgress>
{
    public static string JobKind => "auto-tag";

    public static AutoTagProgress Idle { get; } = new("idle", 0, 0, "");

    public static readonly AutoTagProgress Starting = new("running", 0, 0, "Preparing...");

    public static readonly AutoTagProgress NoSamples = new("complete", 0, 0, "No samples to tag");

    public static AutoTagProgress DatasetDeleted { get; } = new("error", 0, 0, "Dataset deleted");

    [JsonIgnore]
    public bool IsTerminal => Status is "complete" or "error";

    public static AutoTagProgress Running(int processed, int total) =>
        new("running", processed, total, $"Tagging {processed}/{total} samples...");

    public static AutoTagProgress Complete(int tagged, int total) =>
        new("complete", total, total, $"Tagged {tagged}/{total} samples");

    /// <summary>The final state of a job that did not complete: cancelled (no exception) or failed.</summary>
    public static AutoTagProgress Aborted(AutoTagProgress last, Exception? error) => error is null
        ? last with { Status = "error", Message = "Cancelled" }
        : last with { Status = "error", Message = $"Auto-tagging failed: {error.Message}" };
}
