#!/usr/bin/env bash
# What a fixed share of one core, taken by any process, costs the SOCKS path with no TUN at all:
# proxychains4 into dante, single-stream iperf3 upload, alternately without and with a process that
# spins for BUSY us and sleeps for IDLE us (BUSY / (BUSY + IDLE) of a core) in the client namespace.
# On a 2-core machine this tells how much of SharpTun's gap to proxychains4 is the CPU it needs,
# whatever it spends it on (docs/benchmarks.md, "Where the SOCKS5 target stands").
#
# Needs (Debian): apt-get install -y gcc iperf3 proxychains4 dante-server redsocks jq
# Usage: bash bench/net/cpu-share.sh [ROUNDS] [BUSY_US] [IDLE_US]   (as root; defaults 5, 550, 450)
#
# Everything runs in two namespaces this script creates (stcpu-c-PID, stcpu-r-PID); the load,
# iperf3, dante, redsocks and the namespaces are removed on exit, also on failure or Ctrl-C.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds="${1:-5}"; busy="${2:-550}"; idle="${3:-450}"
[ "$(id -u)" = 0 ] || { echo "cpu-share.sh: run as root" >&2; exit 1; }
for tool in gcc iperf3 proxychains4 danted redsocks jq; do
  command -v "$tool" >/dev/null || { echo "cpu-share.sh: $tool missing (see the apt-get line at the top)" >&2; exit 1; }
done

source "$root/bench/net/testbed.sh"
testbed_init cpu 10.214.0
SOCKS_PORT=11080; REDSOCKS_PORT=12345
cat >"$tmp/load.c" <<'EOS'
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static long now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000L + t.tv_nsec / 1000; }
int main(int argc, char **argv) {
  long busy = atol(argv[1]), idle = atol(argv[2]);
  for (;;) { long end = now_us() + busy; while (now_us() < end) {} usleep(idle); }
}
EOS
gcc -O2 -o "$tmp/load" "$tmp/load.c"
testbed_up
daemon iperf3-server ip netns exec "$R" iperf3 -s -B "$RA" -p 5201
start_dante_and_redsocks
wait_listen "$R" 5201 iperf3-server

upload() {
  ip netns exec "$C" proxychains4 -q -f "$tmp/proxychains.conf" timeout 30 iperf3 -c "$RA" -t 4 -J \
    | jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100'
}

echo "# proxychains4 -> dante, iperf3 up, Gbps: alone, then with a load of $busy/$((busy + idle)) of a core"
echo "# reproduce: sudo bash bench/net/cpu-share.sh $rounds $busy $idle"
for round in $(seq "$rounds"); do
  alone=$(upload)
  daemon load ip netns exec "$C" "$tmp/load" "$busy" "$idle"
  loaded=$(upload)
  stop_daemon load
  echo "round $round: alone $alone, with the load $loaded"
done
