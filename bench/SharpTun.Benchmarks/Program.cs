using BenchmarkDotNet.Running;
using SharpTun.Benchmarks.Dns;

if (args is [FakeIpTableMeasurement.Command, ..])
{
    FakeIpTableMeasurement.Run(args.AsSpan(1));
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
