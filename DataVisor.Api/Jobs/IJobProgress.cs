namespace DataVisor.Api.Jobs;

/// <summary>
/// The progress record of one job kind: what its dialect-B stream (§1.7) needs to know about it, so that
/// every kind's progress route is the same call.
/// </summary>
public interface IJobProgress<TSelf>
    where TSelf : class, IJobProgress<TSelf>
{
    /// <summary>The kind under which the job runs in the <see cref="JobRegistry"/>.</summary>
    static abstract string JobKind { get; }

    /// <summary>The contract's idle payload, sent when no job of this kind ran since start.</summary>
    static abstract TSelf Idle { get; }

    /// <summary>The final event when the dataset is deleted while a client listens.</summary>
    static abstract TSelf DatasetDeleted { get; }

    /// <summary>True for <c>complete</c> and <c>error</c>: the stream ends after it.</summary>
    bool IsTerminal { get; }
}
