#!/usr/bin/env bash
# Round trips per second through `sharptun tun echo`, side by side with the no-TUN baseline (ping to
# the kernel's own address, answered by the kernel without leaving the namespace), in a namespace
# this script creates and removes. Bounded: COUNT requests per measurement (default 200000).
# Usage: bash bench/net/echo.sh [COUNT]     (as root)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
count="${1:-200000}"
ns="stbench-echo-$$"
pid=""

cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

"$root/sharptun" --version >/dev/null   # build first, outside the measurement
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$root/sharptun" tun echo st0 --address 10.77.0.1/24 --address fd00:77::1/64 2>/tmp/"$ns".log &
pid=$!
for _ in $(seq 100); do grep -q answering /tmp/"$ns".log 2>/dev/null && break; sleep 0.1; done
rm -f /tmp/"$ns".log
ip netns exec "$ns" ping -c 1000 -f -q 10.77.0.2 >/dev/null   # warm up (JIT)

# ip netns exec, ./sharptun and dotnet each exec the next, so $pid is the SharpTun process itself.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

measure() { # label target
  local before after start end out rtt
  before=$(cpu_ticks); start=$(date +%s.%N)
  out=$(ip netns exec "$ns" ping -f -q -c "$count" "$2")
  end=$(date +%s.%N); after=$(cpu_ticks)
  rtt=$(grep -oE 'rtt [^=]+= [0-9.]+/[0-9.]+' <<<"$out" | awk -F/ '{print $NF}')
  awk -v l="$1" -v n="$count" -v s="$start" -v e="$end" -v c=$((after - before)) -v hz="$(getconf CLK_TCK)" -v rtt="$rtt" \
    -v loss="$(grep -oE '[0-9.]+% packet loss' <<<"$out")" \
    'BEGIN { r = n / (e - s); printf "%-34s %9.0f req/s  avg rtt %s ms  %s  sharptun cpu %.2f us/request\n", l, r, rtt, loss, c / hz * 1e6 / n }'
  echo "$1" "$(awk -v n="$count" -v s="$start" -v e="$end" 'BEGIN { print n / (e - s) }')" >>"$results"
}

results=$(mktemp)
echo "flood ping, $count requests each, $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
measure "baseline v4 (kernel, no TUN)" 10.77.0.1
measure "sharptun tun echo v4" 10.77.0.2
measure "baseline v6 (kernel, no TUN)" fd00:77::1
measure "sharptun tun echo v6" fd00:77::2
awk 'NR==1{b4=$NF} NR==2{s4=$NF} NR==3{b6=$NF} NR==4{s6=$NF} END { printf "ratio to baseline: v4 %.2f, v6 %.2f\n", s4/b4, s6/b6 }' "$results"
rm -f "$results"
