using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace SharpTun.Cli;

/// <summary>Console logging on stderr, one line per message, so stdout stays the command's own.</summary>
public static class Logging
{
    public static ILoggerFactory CreateFactory(LogLevel minimum = LogLevel.Information) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(minimum)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.UseUtcTimestamp = false;
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace));
}
