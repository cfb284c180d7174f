namespace SharpTun.Host.Journal;

/// <summary>An nftables table SharpTun created; undo deletes the whole table (and only it).</summary>
public sealed record NftablesTableChange(string Family, string Name) : HostChange
{
    public override void Undo(UndoContext context) => NftCommand.DeleteTable(Family, Name);

    public override string ToString() => $"nftables table {Family} {Name}";
}
