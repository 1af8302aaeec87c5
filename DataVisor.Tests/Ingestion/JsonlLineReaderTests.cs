using System.Text;
using DataVisor.Api.Ingestion;

namespace DataVisor.Tests.Ingestion;

public sealed class JsonlLineReaderTests
{
    [Theory]
    [InlineData("short\n", "short|<overlong>|end")]
    [InlineData("short\r\n", "short\r|<overlong>|end")]
    public async Task OverlongLinesAreReportedWithoutBeingBuffered(string first, string expected)
    {
        var content = first + new string('x', 5000) + "\nend";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        await using var reader = new JsonlLineReader(stream, maxLineBytes: 100);

        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(line.Bytes is { } bytes ? Encoding.UTF8.GetString(bytes) : "<overlong>");
        }

        Assert.Equal(expected, string.Join('|', lines));
    }

    [Fact]
    public async Task AFinalLineWithoutNewline_AndEmptyLines_AreReturned()
    {
        using var stream = new MemoryStream("a\n\nb"u8.ToArray());
        await using var reader = new JsonlLineReader(stream);

        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { Bytes: { } bytes })
        {
            lines.Add(Encoding.UTF8.GetString(bytes));
        }

        Assert.Equal(["a", "", "b"], lines);
    }
}
