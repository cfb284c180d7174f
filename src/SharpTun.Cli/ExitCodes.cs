namespace SharpTun.Cli;

/// <summary>Process exit codes shared by every command.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something failed at run time (missing privilege, device busy, I/O error).</summary>
    public const int RuntimeError = 1;

    /// <summary>The command line was wrong (unknown option, bad value); nothing was changed.</summary>
    public const int UsageError = 2;
}
