namespace DataVisor.Api.AutoTagging;

/// <summary>One question the tagger answers per image, and the words it may answer with (§6.13).</summary>
public sealed record TagDimension(string Name, IReadOnlyList<string> Words)
{
    /// <summary>
    /// §6.13: the answer trimmed, lower-cased and stripped of one final <c>.</c>; kept only when it is
    /// exactly a word of this dimension, otherwise null.
    /// </summary>
    public string? Normalise(string? answer)
    {
        if (answer is null)
        {
            return null;
        }

        var word = answer.Trim().ToLowerInvariant();
        if (word.EndsWith('.'))
        {
            word = word[..^1];
        }

        return Words.Contains(word, StringComparer.Ordinal) ? word : null;
    }
}

/// <summary>The contract's vocabulary (§6.13): the built-in tagger measures the first two dimensions, a model the rest.</summary>
public static class AutoTagVocabulary
{
    public static readonly TagDimension Lighting = new("lighting", ["dark", "dim", "bright", "normal"]);

    public static readonly TagDimension Clarity = new("clarity", ["blurry", "sharp", "noisy"]);

    public static readonly TagDimension Setting = new("setting", ["indoor", "outdoor"]);

    public static readonly TagDimension Weather = new("weather", ["sunny", "cloudy", "rainy", "foggy", "snowy", "night", "day"]);

    public static readonly TagDimension Density = new("density", ["empty", "sparse", "moderate", "crowded"]);

    /// <summary>What only a vision-language model can answer, in the order it is asked.</summary>
    public static readonly IReadOnlyList<TagDimension> ModelDimensions = [Setting, Weather, Density];
}
