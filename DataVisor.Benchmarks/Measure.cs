using System.Diagnostics;
using System.Text.Json;

namespace DataVisor.Benchmarks;

/// <summary>Timing and summary helpers shared by the benchmarks.</summary>
public static class Measure
{
    public static TimeSpan Elapsed(Action work)
    {
        var started = Stopwatch.GetTimestamp();
        work();
        return Stopwatch.GetElapsedTime(started);
    }

    public static async Task<TimeSpan> ElapsedAsync(Func<Task> work)
    {
        var started = Stopwatch.GetTimestamp();
        await work();
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The upper median (the middle element, or the higher of the two middle ones).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The <c>images</c> array of a generated COCO file: ids 1…n, 640x480, file names by id.</summary>
    public static void WriteCocoImages(Utf8JsonWriter json, int images)
    {
        json.WriteStartArray("images");
        for (var id = 1; id <= images; id++)
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("file_name", $"{id:D12}.jpg");
            json.WriteNumber("width", 640);
            json.WriteNumber("height", 480);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
