using System.Text;

namespace SharpTun.Host;

/// <summary>
/// An nftables table SharpTun owns as a whole: its family, its name and the chains inside it. The
/// table is created in one <c>nft -f</c> transaction and deleted as one, so nothing else in the
/// ruleset is touched.
/// </summary>
public sealed record NftablesTable
{
    /// <summary>The prefix of every table SharpTun creates, so <c>nft list tables</c> shows whose it is.</summary>
    public const string NamePrefix = "sharptun_";

    public NftablesTable(string family, string name, string body)
    {
        if (family is not ("ip" or "ip6" or "inet"))
            throw new ArgumentException($"nftables family '{family}' is not ip, ip6 or inet", nameof(family));
        if (name.Length is 0 or > 64 || !char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"'{name}' is not an nftables table name (a letter, then letters, digits and '_')", nameof(name));
        Family = family;
        Name = name;
        Body = body;
    }

    public string Family { get; }

    public string Name { get; }

    /// <summary>The chains, in nft syntax, without the surrounding <c>table FAMILY NAME { }</c>.</summary>
    public string Body { get; }

    /// <summary>The whole table as <c>nft -f</c> reads it.</summary>
    public string Ruleset => new StringBuilder().Append("table ").Append(Family).Append(' ').Append(Name).Append(" {\n")
        .Append(Body.TrimEnd()).Append("\n}\n").ToString();

    /// <summary>
    /// A table name for something else's name (an interface: <c>stv-0</c> -&gt; <c>sharptun_stv_0</c>),
    /// with the characters nft does not take in a bare name replaced by '_'.
    /// </summary>
    public static string NameFor(string owner)
    {
        var name = new StringBuilder(NamePrefix);
        foreach (var c in owner)
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        return name.ToString();
    }

    public override string ToString() => $"nftables table {Family} {Name}";
}
