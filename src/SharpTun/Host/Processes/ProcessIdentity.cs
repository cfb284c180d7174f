namespace SharpTun.Host.Processes;

/// <summary>
/// What one pid was last seen running: the raw exe link target and the strings made from it, kept
/// so that a repeated lookup compares bytes instead of allocating new strings.
/// </summary>
internal sealed record ProcessIdentity(byte[] PathBytes, string Path, string Name);
