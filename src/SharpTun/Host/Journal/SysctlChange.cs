namespace SharpTun.Host.Journal;

/// <summary>
/// A kernel parameter SharpTun set to <see cref="Value"/>; undo restores <see cref="PreviousValue"/>,
/// unless someone has set it to something else since (then it is left alone, and the undo reports it).
/// </summary>
public sealed record SysctlChange(string Name, string Value, string PreviousValue) : HostChange
{
    public override void Undo(UndoContext context)
    {
        var current = Sysctl.Read(Name);
        if (current != Value)
            throw new InvalidOperationException($"{Name} is now {current}, not the {Value} SharpTun set; left alone");
        Sysctl.Write(Name, PreviousValue);
    }

    public override string ToString() => $"sysctl {Name}={Value} (was {PreviousValue})";
}
