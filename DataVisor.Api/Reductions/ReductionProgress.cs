using System.Text.Json.Serialization;
using DataVisor.Api.Jobs;

namespace DataVisor.Api.Reductions;

/// <summary>R26's event data (§4.9, messages §6.10).</summary>
public sealed record ReductionProgress(string Status, string Message) : IJobProgress<ReductionProgress>
{
    public static string JobKind => "reduction";

    public static ReductionProgress Idle { get; } = new("idle", "");

    public static readonly ReductionProgress Loading = new("running", "Loading embeddings from database");

    public static readonly ReductionProgress NoEmbeddings = new("error", "No embeddings found. Run embedding generation first.");

    public static readonly ReductionProgress Cancelled = new("error", "Cancelled");

    public static ReductionProgress DatasetDeleted { get; } = new("error", "Dataset deleted");

    /// <summary>A generation replaced the vectors mid-run: the layout belongs to vectors that no longer exist.</summary>
    public static readonly ReductionProgress EmbeddingsChanged = new("error", "Embeddings changed while reducing. Run the reduction again.");

    [JsonIgnore]
    public bool IsTerminal => Status is "complete" or "error";

    public static ReductionProgress Fitting(string displayName, int count) => new("fitting", $"Running {displayName} on {count} embeddings...");

    public static ReductionProgress Complete(int count) => new("complete", $"Reduced {count} embeddings to 2D");

    public static ReductionProgress Unavailable(string method) =>
        new("error", $"Reduction method '{method}' is not available in this build of the service");

    public static ReductionProgress Failed(Exception error) => new("error", $"Reduction failed: {error.Message}");
}
