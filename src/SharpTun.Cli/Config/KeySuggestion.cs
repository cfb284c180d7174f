namespace SharpTun.Cli.Config;

/// <summary>"Did you mean" for a mistyped key: the nearest known key, if it is near enough.</summary>
internal static class KeySuggestion
{
    /// <summary>
    /// The known key nearest to <paramref name="key"/>, or null when none is plausibly what was meant.
    /// Case and '_' versus '-' are ignored (<c>Fake_IP_Range</c> finds <c>fake-ip-range</c>); beyond
    /// that a key may be a third of its length away, at most 3 edits (insertions, deletions,
    /// substitutions or swaps of two neighbours).
    /// </summary>
    public static string? Nearest(string key, IReadOnlyList<string> known)
    {
        var normalized = Normalize(key);
        var limit = Math.Min(3, Math.Max(1, normalized.Length / 3));
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(normalized, Normalize(candidate));
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    private static string Normalize(string key) => key.ToLowerInvariant().Replace('_', '-');

    /// <summary>Optimal string alignment distance: Levenshtein plus swaps of two neighbouring characters.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
