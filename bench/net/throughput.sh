#!/usr/bin/env bash
# Single-stream throughput through `sharptun exec` for one or more SharpTun checkouts, alternating
# in each round: iperf3 up and down (-R) with direct:// and with socks5:// to dante, each with
# SharpTun's CPU seconds per GB moved, plus proxychains4 into the same dante once per round (the
# ceiling of any SOCKS path here). For A/B comparisons of throughput work: build the other version
# in a worktree first (git worktree add --detach /tmp/old COMMIT && /tmp/old/sharptun --version).
# On a machine with few cores Gbps swing between runs; CPU per GB is steadier.
#
# Needs (Debian): apt-get install -y iperf3 proxychains4 dante-server redsocks jq bc iptables
# Usage: bash bench/net/throughput.sh [SECONDS] [ROUNDS] [CHECKOUT...]  (as root; defaults 4, 3, this one)
#        SHARPTUN_ARGS="--queues 1" bash bench/net/throughput.sh        (extra options for sharptun exec)
#
# Everything runs in two namespaces this script creates (stthr-c-PID, stthr-r-PID) joined by a
# veth pair on 10.207.0.0/24; iperf3, dante, redsocks, the namespaces and the veth pair are removed
# on exit, also on failure or Ctrl-C. Every client command is bounded by `timeout`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-4}"; rounds="${2:-3}"; shift $(( $# > 2 ? 2 : $# ))
checkouts=("$@"); [ "${#checkouts[@]}" -gt 0 ] || checkouts=("$root")
[ "$(id -u)" = 0 ] || { echo "throughput.sh: run as root" >&2; exit 1; }
for tool in iperf3 proxychains4 danted redsocks jq bc setpriv; do
  command -v "$tool" >/dev/null || { echo "throughput.sh: $tool missing (see the apt-get line at the top)" >&2; exit 1; }
done
for c in "${checkouts[@]}"; do "$c/sharptun" --version >/dev/null; done   # build first, outside the measurement

source "$root/bench/net/testbed.sh"
testbed_init thr 10.207.0
SOCKS_PORT=11080; REDSOCKS_PORT=12345
limit=$((secs + 30))
testbed_up
daemon iperf3-server ip netns exec "$R" iperf3 -s -B "$RA" -p 5201
start_dante_and_redsocks
wait_listen "$R" 5201 iperf3-server

# Runs inside sharptun exec, whose child it is: one iperf3 per direction, with the CPU time
# (utime + stime) of its parent, the SharpTun process, read around it. Prints: DIRECTION GBPS CPU_S_PER_GB
cat >"$tmp/inner.sh" <<EOS
#!/bin/sh
p=\$PPID
for direction in up down; do
  flag=""; [ \$direction = down ] && flag=-R
  before=\$(awk '{print \$14 + \$15}' /proc/\$p/stat)
  bytes=\$(timeout $limit iperf3 -c $RA -t $secs \$flag -J | jq '.end.sum_received.bytes')
  after=\$(awk '{print \$14 + \$15}' /proc/\$p/stat)
  echo "\$direction \$(echo "scale=2; \$bytes * 8 / $secs / 10^9" | bc) \$(echo "scale=3; (\$after - \$before) / $(getconf CLK_TCK) / (\$bytes / 10^9)" | bc)"
done
EOS
chmod 755 "$tmp/inner.sh"

echo "# iperf3 single stream, $secs s per run, $rounds rounds: Gbps and SharpTun CPU s/GB"
echo "# reproduce: sudo ${SHARPTUN_ARGS:+SHARPTUN_ARGS=\"$SHARPTUN_ARGS\" }bash bench/net/throughput.sh $secs $rounds ${checkouts[*]}"
for round in $(seq "$rounds"); do
  for c in "${checkouts[@]}"; do
    name=$(cd "$c" && git describe --always --dirty)
    for outbound in direct socks5; do
      proxy=(); [ "$outbound" = socks5 ] && proxy=(--proxy "socks5://127.0.0.1:$SOCKS_PORT")
      ip netns exec "$C" "$c/sharptun" exec ${SHARPTUN_ARGS:-} "${proxy[@]}" -- "$tmp/inner.sh" 2>/dev/null \
        | while read -r direction gbps cpu; do
            echo "round $round: $name $outbound $direction: $gbps Gbps, $cpu CPU s/GB"
          done
    done
  done
  for direction in up down; do
    flag=""; [ "$direction" = down ] && flag=-R
    gbps=$(ip netns exec "$C" proxychains4 -q -f "$tmp/proxychains.conf" timeout "$limit" iperf3 -c "$RA" -t "$secs" $flag -J \
      | jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100')
    echo "round $round: proxychains4 -> dante $direction: $gbps Gbps"
  done
done
