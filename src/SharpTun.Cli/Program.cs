using SharpTun.Cli;

return CommandLineApp.Run(args);
