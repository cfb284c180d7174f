using SharpTun.Cli;

SocketThreading.UseInlineCompletions();
return CommandLineApp.Run(args);
