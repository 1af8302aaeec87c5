using System.Text;
using System.Text.Json;

namespace DataVisor.Tests.Packaging;

/// <summary>One Dockerfile instruction, continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>
    /// The arguments as words: the exec (JSON array) form as written, otherwise split on whitespace with
    /// quotes grouping and removed, which is enough for the instructions this repository writes.
    /// </summary>
    public IReadOnlyList<string> Words { get; } = SplitWords(Arguments);

    /// <summary>Leading <c>--name=value</c> flags (FROM, COPY, HEALTHCHECK), keyed by name.</summary>
    public IReadOnlyDictionary<string, string> Flags =>
        Words.TakeWhile(w => w.StartsWith("--", StringComparison.Ordinal))
            .Select(w => w[2..].Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.OrdinalIgnoreCase);

    /// <summary>The words after the leading flags.</summary>
    public IReadOnlyList<string> Operands =>
        Words.SkipWhile(w => w.StartsWith("--", StringComparison.Ordinal)).ToArray();

    public override string ToString() => $"line {Line}: {Keyword} {Arguments}";

    private static string[] SplitWords(string arguments)
    {
        var trimmed = arguments.Trim();
        if (trimmed.StartsWith('[') && TryParseJsonArray(trimmed, out var array))
        {
            return array;
        }

        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return [.. words];
    }

    private static bool TryParseJsonArray(string text, out string[] items)
    {
        try
        {
            items = JsonSerializer.Deserialize<string[]>(text) ?? [];
            return true;
        }
        catch (JsonException)
        {
            items = [];
            return false;
        }
    }
}

/// <summary>A build stage: its FROM instruction and what follows it up to the next FROM.</summary>
internal sealed record DockerStage(DockerInstruction From, IReadOnlyList<DockerInstruction> Instructions)
{
    public string Image => From.Operands[0];

    public string? Name => From.Operands.Count >= 3 && From.Operands[1].Equals("AS", StringComparison.OrdinalIgnoreCase)
        ? From.Operands[2]
        : null;

    public IEnumerable<DockerInstruction> All(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword);

    /// <summary>Variables set by ENV in this stage, later values winning (both <c>k=v</c> and legacy <c>k v</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var env in All("ENV"))
            {
                if (env.Words.Count > 0 && !env.Words[0].Contains('='))
                {
                    variables[env.Words[0]] = string.Join(' ', env.Words.Skip(1));
                    continue;
                }

                foreach (var pair in env.Words.Select(w => w.Split('=', 2)))
                {
                    variables[pair[0]] = pair.Length > 1 ? pair[1] : string.Empty;
                }
            }

            return variables;
        }
    }
}

/// <summary>
/// A small Dockerfile reader for tests: comments and parser directives dropped, backslash continuations
/// joined, instructions grouped into stages. It reads this repository's Dockerfiles, not every Dockerfile.
/// </summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerInstruction> instructions)
    {
        Instructions = instructions;
        var stages = new List<DockerStage>();
        for (var i = 0; i < instructions.Count; i++)
        {
            if (instructions[i].Keyword != "FROM")
            {
                continue;
            }

            var body = instructions.Skip(i + 1).TakeWhile(x => x.Keyword != "FROM").ToArray();
            stages.Add(new DockerStage(instructions[i], body));
        }

        Stages = stages;
    }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public static Dockerfile Load(string path) => Parse(File.ReadAllText(path));

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var pending = new StringBuilder();
        var startLine = 0;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd();
            var content = line.TrimStart();

            // Comment lines (and blank lines) are dropped, also in the middle of a continued instruction.
            if (content.Length == 0 || content.StartsWith('#'))
            {
                continue;
            }

            if (pending.Length == 0)
            {
                startLine = i + 1;
            }

            var continues = line.EndsWith('\\');
            pending.Append(continues ? line[..^1] : line).Append(' ');
            if (continues)
            {
                continue;
            }

            instructions.Add(ToInstruction(pending.ToString(), startLine));
            pending.Clear();
        }

        if (pending.Length > 0)
        {
            instructions.Add(ToInstruction(pending.ToString(), startLine));
        }

        return new Dockerfile(instructions);
    }

    private static DockerInstruction ToInstruction(string text, int line)
    {
        var trimmed = text.Trim();
        var space = trimmed.IndexOfAny([' ', '\t']);
        return space < 0
            ? new DockerInstruction(trimmed.ToUpperInvariant(), string.Empty, line)
            : new DockerInstruction(trimmed[..space].ToUpperInvariant(), trimmed[(space + 1)..].Trim(), line);
    }
}
