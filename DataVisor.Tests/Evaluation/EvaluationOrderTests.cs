using DataVisor.Api.Evaluation;

namespace DataVisor.Tests.Evaluation;

/// <summary>§2.11 evaluation order and §0 ordinal order.</summary>
public sealed class EvaluationOrderTests
{
    [Fact]
    public void DigitIdsFirstByValue_ThenOthersOrdinally_ThenSplit_ThenSampleId()
    {
        EvaluationSample S(string id, string source, string? split = null) => new(id, source, split);
        var samples = new List<EvaluationSample>
        {
            S("a", "a"), S("B", "B"), S("10", "10"), S("val_9", "9", "val"), S("9", "9"), S("007", "007"), S("7", "7"),
            S("train_9", "9", "train"), S("x", "123456789012345678901234567890"), S("e", "\uE000"), S("emoji", "\U0001F600"),
        };

        samples.Sort(EvaluationOrder.Comparer);

        // 007 and 7 are equal numbers with the same (null) split: the sample id decides. A 30-digit id is
        // a number too. The astral character sorts after U+E000 as its UTF-8 bytes do.
        Assert.Equal(["007", "7", "9", "train_9", "val_9", "10", "x", "B", "a", "e", "emoji"], samples.Select(s => s.Id));
    }

    [Fact]
    public void OrdinalText_IsCodePointOrder()
    {
        string[] names = ["\U0001F600", "\uFFFD", "b", "B", "a", "ab", ""];
        Assert.Equal(["", "B", "a", "ab", "b", "\uFFFD", "\U0001F600"], names.Order(OrdinalText.Comparer));
    }
}
