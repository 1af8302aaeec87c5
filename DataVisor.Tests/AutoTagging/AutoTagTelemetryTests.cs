using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DataVisor.Tests.EmbeddingJobs;
using DataVisor.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DataVisor.Tests.AutoTagging;

/// <summary>The job's span carries its counts, and the images counter its outcomes.</summary>
public sealed class AutoTagTelemetryTests
{
    [Fact]
    public async Task The_job_span_and_the_images_counter_report_tagged_and_unreadable_images()
    {
        using var spans = new ActivityCollector();
        using var bed = new EmbeddingJobTestBed();
        var meterFactory = bed.Api.Services.GetRequiredService<IMeterFactory>();
        var outcomes = new ConcurrentQueue<(string Outcome, long Count)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meters) =>
            {
                // Only this test's host: every test host has its own meter factory.
                if (instrument.Name == "datavisor.autotag.images" && instrument.Meter.Scope == meterFactory)
                {
                    meters.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "datavisor.auto_tag.outcome")
                {
                    outcomes.Enqueue(((string)tag.Value!, value));
                }
            }
        });
        listener.Start();

        TaggingScenes.WriteJpeg(TaggingScenes.Neutral(1, 320, 240), Path.Combine(bed.ImageDir, "a.jpg"));
        await File.WriteAllTextAsync(Path.Combine(bed.ImageDir, "b.jpg"), "not an image");
        var datasetId = await bed.IngestFilesAsync([("a.jpg", 320, 240), ("b.jpg", 10, 10)]);
        Assert.Equal("Tagged 1/2 samples", (await AutoTagRoutes.RunAsync(bed, datasetId)).GetProperty("message").GetString());

        var job = await WaitForJobSpanAsync(spans, datasetId);
        int Count(string name) => Assert.IsType<int>(job.GetTagItem($"datavisor.auto_tag.{name}"));
        Assert.Equal((2, 2, 1, 1, 0), (Count("samples"), Count("processed"), Count("tagged"), Count("unreadable"), Count("model_failures")));
        Assert.Equal("builtin", job.GetTagItem("datavisor.auto_tag.model"));
        Assert.Equal(ActivityStatusCode.Ok, job.Status);
        Assert.Equal(
            new[] { ("tagged", 1L), ("unreadable", 1L) },
            outcomes.GroupBy(o => o.Outcome).Select(g => (g.Key, g.Sum(o => o.Count))).OrderBy(o => o.Key, StringComparer.Ordinal));
    }

    /// <summary>The span ends just after the job's final state is published, so it is polled for (with a deadline).</summary>
    private static async Task<Activity> WaitForJobSpanAsync(ActivityCollector spans, string datasetId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var job = spans.Stopped.FirstOrDefault(a => a.OperationName == "job auto-tag" && (string?)a.GetTagItem("datavisor.dataset_id") == datasetId);
            if (job is not null)
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the auto-tag job span of {datasetId} did not end in time");
            await Task.Delay(20);
        }
    }
}
