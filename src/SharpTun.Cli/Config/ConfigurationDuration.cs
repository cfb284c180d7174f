using System.Globalization;

namespace SharpTun.Cli.Config;

/// <summary>Durations as the file writes them: a whole number and a unit, <c>300ms</c>, <c>3s</c>, <c>1m</c>, <c>1h</c>.</summary>
internal static class ConfigurationDuration
{
    private static readonly (string Unit, TimeSpan Size)[] Units =
        [("ms", TimeSpan.FromMilliseconds(1)), ("s", TimeSpan.FromSeconds(1)), ("m", TimeSpan.FromMinutes(1)), ("h", TimeSpan.FromHours(1))];

    /// <summary>Parses <paramref name="text"/>; returns null, or what is wrong with it ("has no unit ...").</summary>
    public static string? TryParse(string text, out TimeSpan value)
    {
        value = default;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
            digits++;
        var unit = text[digits..].Trim();
        if (digits == 0)
            return "is not a duration (a whole number and a unit: 300ms, 3s, 1m)";
        if (!long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > int.MaxValue)
            return "is too long a duration";
        if (unit.Length == 0)
            return $"has no unit (write {count}s or {count}ms)";
        foreach (var (name, size) in Units)
        {
            if (unit == name)
            {
                value = size * count;
                return null;
            }
        }
        return $"has the unknown unit '{unit}' (ms, s, m or h)";
    }

    /// <summary>The shortest exact form: 300ms, 3s, 1m.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
            return "0s";
        for (var i = Units.Length - 1; i >= 0; i--)
        {
            var (name, size) = Units[i];
            if (value.Ticks % size.Ticks == 0)
                return (value.Ticks / size.Ticks).ToString(CultureInfo.InvariantCulture) + name;
        }
        return value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
