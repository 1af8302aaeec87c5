using System.Text;
using System.Text.RegularExpressions;

namespace DataVisor.Tests.Packaging;

/// <summary>
/// A glob over slash-separated paths relative to the build context, as Docker reads them:
/// <c>*</c> and <c>?</c> stay within one path segment, <c>**</c> spans any number of segments
/// (<c>**/bin</c> also matches a top-level <c>bin</c>), <c>[...]</c> is a character class.
/// </summary>
internal sealed class ContextGlob
{
    private readonly Regex _regex;

    public ContextGlob(string pattern)
    {
        Pattern = Normalize(pattern);
        _regex = new Regex(ToRegex(Pattern), RegexOptions.CultureInvariant);
    }

    public string Pattern { get; }

    public bool IsMatch(string relativePath) => _regex.IsMatch(Normalize(relativePath));

    /// <summary>Context-relative form: forward slashes, no leading <c>/</c> or <c>./</c>, no trailing <c>/</c>.</summary>
    public static string Normalize(string path)
    {
        var p = path.Trim().Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }

        p = p.Trim('/');
        return p.Length == 0 ? "." : p;
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var slashFollows = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slashFollows ? "(.*/)?" : ".*");
                i += slashFollows ? 2 : 1;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && pattern.IndexOf(']', i + 1) is var close and > 0)
            {
                var set = pattern[(i + 1)..close];
                regex.Append('[').Append(set.StartsWith('!') ? "^" + set[1..] : set).Append(']');
                i = close;
            }
            else if (c == '\\' && i + 1 < pattern.Length)
            {
                regex.Append(Regex.Escape(pattern[++i].ToString()));
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.Append('$').ToString();
    }
}

/// <summary>
/// The rules of a <c>.dockerignore</c> file, applied the way Docker does: patterns in order, the last one
/// that matches a path or any of its parent folders decides, and <c>!</c> re-includes.
/// </summary>
internal sealed class DockerIgnore
{
    private readonly IReadOnlyList<(ContextGlob Glob, bool Excludes)> _rules;

    private DockerIgnore(IReadOnlyList<(ContextGlob, bool)> rules) => _rules = rules;

    public IEnumerable<string> Patterns => _rules.Select(r => (r.Excludes ? "" : "!") + r.Glob.Pattern);

    public static DockerIgnore Load(string path) => Parse(File.ReadAllText(path));

    public static DockerIgnore Parse(string text) => new(
        text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.StartsWith('!')
                ? (new ContextGlob(line[1..]), false)
                : (new ContextGlob(line), true))
            .ToArray());

    public bool IsExcluded(string relativePath)
    {
        var path = ContextGlob.Normalize(relativePath);
        var candidates = SelfAndParents(path).ToArray();
        var excluded = false;
        foreach (var (glob, excludes) in _rules)
        {
            if (candidates.Any(glob.IsMatch))
            {
                excluded = excludes;
            }
        }

        return excluded;
    }

    /// <summary>The first rule that excludes <paramref name="relativePath"/>, for assertion messages.</summary>
    public string? ExcludingPattern(string relativePath)
    {
        var candidates = SelfAndParents(ContextGlob.Normalize(relativePath)).ToArray();
        return IsExcluded(relativePath)
            ? _rules.Last(r => r.Excludes && candidates.Any(r.Glob.IsMatch)).Glob.Pattern
            : null;
    }

    private static IEnumerable<string> SelfAndParents(string path)
    {
        for (var p = path; p.Length > 0; p = p.LastIndexOf('/') is var slash and > 0 ? p[..slash] : string.Empty)
        {
            yield return p;
        }
    }
}
