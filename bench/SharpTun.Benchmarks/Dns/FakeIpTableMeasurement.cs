using System.Diagnostics;
using System.Globalization;
using System.Net;
using SharpTun.Dns;
using SharpTun.Stack.Nat;

namespace SharpTun.Benchmarks.Dns;

/// <summary>
/// The fake-IP table at scale, without BenchmarkDotNet (one pass over a million names is the thing
/// measured, not a call repeated until stable): a <see cref="FakeIpPool"/> with a /12 IPv4 range
/// (1,048,574 addresses) filled with COUNT distinct names, then managed bytes per entry
/// (<see cref="GC.GetTotalMemory(bool)"/> before and after, the names counted once, as the pool's
/// own copies), time per allocation, per hit (name to address: all names in random order, and
/// 1,000 hot names over and over), per reverse lookup (address to name, random order), and
/// <see cref="FakeIpPool.Save"/> / <see cref="FakeIpPool.Load"/> of the whole table with the file's
/// size and the longest a lookup on another thread waited while Save ran. Once with A only, once
/// with A and AAAA for every name (what stub resolvers ask), each ROUNDS times.
/// </summary>
/// <remarks>Run: <c>DOTNET_TieredCompilation=0 dotnet run -c Release --project bench/SharpTun.Benchmarks -- fake-ip-table [COUNT] [ROUNDS]</c>.</remarks>
internal static class FakeIpTableMeasurement
{
    /// <summary>The first argument that selects this measurement instead of BenchmarkDotNet.</summary>
    public const string Command = "fake-ip-table";

    private static readonly IPNetwork IPv4Range = IPNetwork.Parse("10.0.0.0/12");

    private static readonly string[] Suffixes =
        ["example-cdn.net", "static.example.com", "api.example.org", "tracker.example-ads.io", "eu-west-1.example-cloud.com"];

    public static void Run(ReadOnlySpan<string> args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var names = new string[count];
        for (var i = 0; i < count; i++)
            names[i] = string.Create(CultureInfo.InvariantCulture, $"host{i}.{Suffixes[i % Suffixes.Length]}");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(1).Shuffle(order);

        Console.WriteLine($"# fake-IP table: {count:N0} names like '{names[count / 2]}', IPv4 range {IPv4Range}, {rounds} rounds, {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
        // SharpTun runs as Native AOT, fully optimised from the start; under tiered JIT on a busy
        // machine the tier-1 code may come late and the first rounds measure tier-0 code.
        Console.WriteLine(Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") == "0"
            ? "# JIT: fully optimising from the start (DOTNET_TieredCompilation=0), as the Native AOT CLI"
            : "# warning: tiered JIT; run with DOTNET_TieredCompilation=0 for the optimised code the Native AOT CLI runs");
        Measure(names, order, ipv6: false, warmUp: true); // JIT, caches
        Console.WriteLine("# times are wall / CPU (the process's user + system time, GC threads included); the machine may be shared");
        Console.WriteLine("| families | round | entries | managed bytes/entry | allocate ns | hit ns (1M names, random) | hit ns (1,000 hot names) | reverse ns (random) | Save ms | longest hit during Save ms | Load ms | file MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var ipv6 in new[] { false, true })
        {
            for (var round = 1; round <= rounds; round++)
            {
                var r = Measure(names, order, ipv6, warmUp: false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(ipv6 ? "A + AAAA" : "A")} | {round} | {r.Entries:N0} | {r.BytesPerEntry:F0} | {r.Allocate.PerOp(r.Entries)} | {r.Hit.PerOp(names.Length)} | {r.HotHit.PerOp(names.Length)} | {r.Reverse.PerOp(names.Length)} | {r.Save.Milliseconds()} | {r.SaveStallMs:F0} | {r.Load.Milliseconds()} | {r.FileBytes / 1e6:F1} |"));
            }
        }
    }

    /// <summary>Wall and CPU time (the whole process's, so GC threads count) of one phase.</summary>
    private readonly record struct PhaseTime(TimeSpan Wall, TimeSpan Cpu)
    {
        public string PerOp(int count) => string.Create(CultureInfo.InvariantCulture, $"{Wall.TotalNanoseconds / count:F0} / {Cpu.TotalNanoseconds / count:F0}");

        public string Milliseconds() => string.Create(CultureInfo.InvariantCulture, $"{Wall.TotalMilliseconds:F0} / {Cpu.TotalMilliseconds:F0}");
    }

    private sealed class Phase
    {
        private readonly Process _process = Process.GetCurrentProcess();
        private readonly Stopwatch _wall = new();
        private TimeSpan _cpu;

        public void Start()
        {
            _process.Refresh();
            _cpu = _process.TotalProcessorTime;
            _wall.Restart();
        }

        public PhaseTime Stop()
        {
            var wall = _wall.Elapsed;
            _process.Refresh();
            return new PhaseTime(wall, _process.TotalProcessorTime - _cpu);
        }
    }

    private readonly record struct Result(int Entries, double BytesPerEntry, PhaseTime Allocate, PhaseTime Hit, PhaseTime HotHit, PhaseTime Reverse, PhaseTime Save, PhaseTime Load, long FileBytes, double SaveStallMs);

    private static Result Measure(string[] names, int[] order, bool ipv6, bool warmUp)
    {
        var count = warmUp ? Math.Min(names.Length, 100_000) : names.Length;
        var v4 = new NatEndpoint[count];
        var v6 = ipv6 ? new NatEndpoint[count] : [];
        var phase = new Phase();

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var pool = new FakeIpPool(IPv4Range, FakeIpPool.DefaultIPv6Range);
        phase.Start();
        for (var i = 0; i < count; i++)
        {
            if (!pool.TryGetOrAllocate(names[i], ipv6: false, out v4[i]))
                throw new InvalidOperationException($"no IPv4 address for name {i}");
            if (ipv6 && !pool.TryGetOrAllocate(names[i], ipv6: true, out v6[i]))
                throw new InvalidOperationException($"no IPv6 address for name {i}");
        }
        var allocate = phase.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var entries = pool.Count;

        phase.Start();
        for (var i = 0; i < count; i++)
        {
            var n = order[i] % count;
            if (!pool.TryGetOrAllocate(names[n], ipv6: false, out var address) || address != v4[n])
                throw new InvalidOperationException($"name {n} lost its address");
        }
        var hit = phase.Stop();

        // The steady state of a busy resolver: the same 1,000 names asked again and again.
        phase.Start();
        for (var i = 0; i < count; i++)
        {
            var n = order[i % 1000] % count;
            if (!pool.TryGetOrAllocate(names[n], ipv6: false, out var address) || address != v4[n])
                throw new InvalidOperationException($"name {n} lost its address");
        }
        var hotHit = phase.Stop();

        phase.Start();
        for (var i = 0; i < count; i++)
        {
            var n = order[i] % count;
            if (!pool.TryGetDomain(v4[n], out var domain) || domain.Length != names[n].Length)
                throw new InvalidOperationException($"address {v4[n]} lost its name");
        }
        var reverse = phase.Stop();

        var file = Path.Combine(Path.GetTempPath(), $"sharptun-fake-ip-{Environment.ProcessId}.txt");
        try
        {
            // While Save runs, another thread does what the TUN reading thread does for every A
            // query (a hit); the longest of those calls is how long a DNS answer can stall.
            var saving = 1;
            var stall = TimeSpan.Zero;
            var prober = new Thread(() =>
            {
                var clock = new Stopwatch();
                for (var i = 0; Volatile.Read(ref saving) == 1; i = (i + 1) % count)
                {
                    clock.Restart();
                    pool.TryGetOrAllocate(names[order[i] % count], ipv6: false, out _);
                    if (clock.Elapsed > stall)
                        stall = clock.Elapsed;
                }
            });
            prober.Start();
            phase.Start();
            pool.Save(file);
            var save = phase.Stop();
            Volatile.Write(ref saving, 0);
            prober.Join();
            var size = new FileInfo(file).Length;
            var loaded = new FakeIpPool(IPv4Range, FakeIpPool.DefaultIPv6Range);
            phase.Start();
            var (restored, skipped) = loaded.Load(file);
            var load = phase.Stop();
            if (restored != entries || skipped != 0)
                throw new InvalidOperationException($"Load restored {restored} of {entries} entries, skipped {skipped}");
            GC.KeepAlive(pool);
            GC.KeepAlive(loaded);
            return new Result(entries, (double)(after - before) / entries, allocate, hit, hotHit, reverse, save, load, size, stall.TotalMilliseconds);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
