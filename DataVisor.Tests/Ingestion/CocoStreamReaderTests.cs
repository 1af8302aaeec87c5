using System.Text;
using DataVisor.Api.Ingestion;

namespace DataVisor.Tests.Ingestion;

public sealed class CocoStreamReaderTests
{
    /// <summary>Tokens that are easy to cut badly: long strings, escapes, multi-byte UTF-8, exponents, nesting.</summary>
    private static readonly string Tricky = $$$"""
        {
          "info": {"description": "{{{new string('x', 300)}}}", "deep": [[[{"a": [1, 2, {"b": "]}"}]}]]], "n": null},
          "images": [
            {"id": 1e3, "file_name": "caf\u00e9/漢字 😀.png", "width": 640.0, "height": 480},
            {"id": "img-\"quoted\"", "file_name": "{{{new string('y', 200)}}}.jpg", "width": -1},
            {"file_name": "z.png", "id": -0, "extra": {"segmentation": [[1.5, 2.5e-3, 3E+2]]}}
          ],
          "annotations": [
            {"id": 123456789012, "image_id": 1000, "category_id": 7, "bbox": [1.25, 2, 3e1, 4, 99], "area": 1.5e2, "iscrowd": true},
            {"id": "ann\t1", "image_id": "img-\"quoted\"", "category_id": "8", "bbox": [1, [2], 3, 4], "iscrowd": 0},
            {"image_id": 1000, "bbox": [1, 2, 3], "segmentation": {"counts": "a\\b", "size": [1, 2]}, "iscrowd": "no"},
            {"id": null, "image_id": true, "category_id": 1.5, "bbox": "1,2,3,4", "area": "big"}
          ],
          "categories": [{"id": 7, "name": "cat"}, 3, {"id": 8, "name": 9.50}, {"name": "nameless"}]
        }
        """;

    [Fact]
    public async Task EntriesAreDecodedAsTheContractReadsThem()
    {
        var trace = await ReadAllAsync(Encoding.UTF8.GetBytes(Tricky), bufferSize: 1 << 20, trickle: false);

        Assert.Equal(
            [
                "Image: CocoImage { Index = 0, Id = 1000, IdMalformed = False, FileName = café/漢字 😀.png, Width = 640, Height = 480 }",
                $"Image: CocoImage {{ Index = 1, Id = img-\"quoted\", IdMalformed = False, FileName = {new string('y', 200)}.jpg, Width = , Height =  }}",
                "Image: CocoImage { Index = 2, Id = 0, IdMalformed = False, FileName = z.png, Width = , Height =  }",
                "SectionEnd: Images",
                "Annotation: CocoAnnotation { Index = 0, Id = 123456789012, IdMalformed = False, ImageId = 1000, CategoryId = 7, HasBox = True, X = 1.25, Y = 2, Width = 30, Height = 4, Area = 150, IsCrowd = True }",
                "Annotation: CocoAnnotation { Index = 1, Id = ann\t1, IdMalformed = False, ImageId = img-\"quoted\", CategoryId = 8, HasBox = False, X = 0, Y = 0, Width = 0, Height = 0, Area = , IsCrowd = False }",
                "Annotation: CocoAnnotation { Index = 2, Id = , IdMalformed = False, ImageId = 1000, CategoryId = , HasBox = False, X = 0, Y = 0, Width = 0, Height = 0, Area = , IsCrowd = True }",
                "Annotation: CocoAnnotation { Index = 3, Id = , IdMalformed = False, ImageId = , CategoryId = , HasBox = False, X = 0, Y = 0, Width = 0, Height = 0, Area = , IsCrowd = False }",
                "SectionEnd: Annotations",
                "Category: CocoCategory { Index = 0, Id = 7, Name = cat }",
                "Category: CocoCategory { Index = 2, Id = 8, Name = 9.50 }",
                "Category: CocoCategory { Index = 3, Id = , Name = nameless }",
                "SectionEnd: Categories",
                "End",
            ],
            trace);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(7, true)]
    [InlineData(16, false)]
    [InlineData(64, true)]
    [InlineData(257, false)]
    public async Task TokensSplitAcrossRefills_AreReadExactlyAsFromOneBuffer(int bufferSize, bool trickle)
    {
        var bytes = Encoding.UTF8.GetBytes(Tricky);
        var expected = await ReadAllAsync(bytes, bufferSize: 1 << 20, trickle: false);

        var actual = await ReadAllAsync(bytes, bufferSize, trickle);

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AUtf8ByteOrderMark_IsSkipped(bool trickle)
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "{\"images\": [{\"id\": 1, \"file_name\": \"a.png\"}]}"u8];

        var trace = await ReadAllAsync(bytes, bufferSize: 2, trickle);

        Assert.Equal(["Image: CocoImage { Index = 0, Id = 1, IdMalformed = False, FileName = a.png, Width = , Height =  }", "SectionEnd: Images", "End"], trace);
    }

    [Fact]
    public async Task ErrorPositionsCountFromTheStartOfTheFile_AcrossRefills()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"images\": [\n" + string.Join(",\n", Enumerable.Range(0, 50).Select(i => $"{{\"id\": {i}, \"file_name\": \"f{i}.png\"}}")) + ",\n{\"id\": x}]}");

        var error = await Assert.ThrowsAsync<CocoFileException>(() => ReadAllAsync(bytes, bufferSize: 16, trickle: true));

        Assert.Equal($"Invalid JSON in test.json: 'x' is an invalid start of a value (line 52, column 8, near byte offset {bytes.Length - 4})", error.Message);
    }

    /// <summary>
    /// Random truncations, byte flips and insertions of a valid file: the reader either reads to the end or
    /// throws <see cref="CocoFileException"/>; no other exception may escape (it would become a 500).
    /// </summary>
    [Fact]
    public async Task MutatedFiles_EitherReadOrFailWithCocoFileException()
    {
        var valid = Encoding.UTF8.GetBytes(Tricky);
        var random = new Random(20260213);
        byte[] interesting = [.. "{}[]\",:0123456789-+.eE\\ntfu \n"u8, 0x00, 0x1F, 0x80, 0xC3, 0xE6, 0xF0, 0xFF];
        var outcomes = new Dictionary<string, int>();
        for (var round = 0; round < 3000; round++)
        {
            var mutated = (byte[])valid.Clone();
            switch (round % 3)
            {
                case 0:
                    mutated = mutated[..random.Next(mutated.Length)];
                    break;
                case 1:
                    for (var flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        mutated[random.Next(mutated.Length)] = interesting[random.Next(interesting.Length)];
                    }

                    break;
                default:
                    var at = random.Next(mutated.Length);
                    mutated = [.. mutated[..at], interesting[random.Next(interesting.Length)], .. mutated[at..]];
                    break;
            }

            try
            {
                await ReadAllAsync(mutated, bufferSize: 1 + random.Next(64), trickle: round % 2 == 0);
                outcomes["read"] = outcomes.GetValueOrDefault("read") + 1;
            }
            catch (CocoFileException)
            {
                outcomes["rejected"] = outcomes.GetValueOrDefault("rejected") + 1;
            }
        }

        // Both outcomes occur, so the mutations exercise the parser rather than only one path.
        Assert.True(outcomes.GetValueOrDefault("read") > 50, $"read: {outcomes.GetValueOrDefault("read")}");
        Assert.True(outcomes.GetValueOrDefault("rejected") > 1000, $"rejected: {outcomes.GetValueOrDefault("rejected")}");
    }

    internal static async Task<List<string>> ReadAllAsync(byte[] bytes, int bufferSize, bool trickle)
    {
        using Stream stream = trickle ? new TrickleStream(bytes) : new MemoryStream(bytes);
        using var reader = new CocoStreamReader(stream, "test.json", bufferSize);
        var trace = new List<string>();
        while (true)
        {
            var status = reader.Read();
            switch (status)
            {
                case CocoReadStatus.NeedMoreData:
                    await reader.FillAsync(CancellationToken.None);
                    break;
                case CocoReadStatus.Category:
                    trace.Add($"Category: {reader.Category}");
                    break;
                case CocoReadStatus.Image:
                    trace.Add($"Image: {reader.Image}");
                    break;
                case CocoReadStatus.Annotation:
                    trace.Add($"Annotation: {reader.Annotation}");
                    break;
                case CocoReadStatus.SectionEnd:
                    trace.Add($"SectionEnd: {reader.CompletedSection}");
                    break;
                case CocoReadStatus.End:
                    trace.Add("End");
                    return trace;
            }
        }
    }

    /// <summary>Hands out one byte per read, so every token is cut at every possible place.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);
    }
}
