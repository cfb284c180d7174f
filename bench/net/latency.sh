#!/usr/bin/env bash
# TCP ping-pong latency through `sharptun exec` (direct://, or socks5:// to dante with SOCKS=1) for
# one or more SharpTun checkouts, alternating in each round, next to the no-tunnel baseline
# measured in the same round. For A/B comparisons of latency work: build the other version in a
# worktree first (git worktree add --detach /tmp/old COMMIT && /tmp/old/sharptun --version).
#
# Needs (Debian): apt-get install -y sockperf; with STRACE=1 also strace.
# Usage: bash bench/net/latency.sh [SECONDS] [ROUNDS] [CHECKOUT...]   (as root; defaults 3, 3, this one)
#        SHARPTUN_ARGS="--busy-poll 50" bash bench/net/latency.sh    (extra options for sharptun exec)
#        STRACE=1 bash bench/net/latency.sh 3 1      syscalls per round trip inside SharpTun (strace -f -c;
#                                                    its overhead makes that run's latency meaningless)
#        SOCKS=1 bash bench/net/latency.sh 3 5       through dante instead: sharptun exec --proxy socks5://
#                                                    and proxychains4 into the same dante in each round
#                                                    (also needs dante-server, redsocks and proxychains4)
#
# Everything runs in two namespaces this script creates (stlat-c-PID, stlat-r-PID) joined by a veth
# pair on 10.203.0.0/24; the sockperf server, the namespaces and the veth pair are removed on exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-3}"; rounds="${2:-3}"; shift $(( $# > 2 ? 2 : $# ))
checkouts=("$@"); [ "${#checkouts[@]}" -gt 0 ] || checkouts=("$root")
[ "$(id -u)" = 0 ] || { echo "latency.sh: run as root" >&2; exit 1; }
command -v sockperf >/dev/null || { echo "latency.sh: sockperf missing (apt-get install -y sockperf)" >&2; exit 1; }
for c in "${checkouts[@]}"; do "$c/sharptun" --version >/dev/null; done   # build first, outside the measurement

source "$root/bench/net/testbed.sh"
testbed_init lat 10.203.0
testbed_up
daemon sockperf-server ip netns exec "$R" sockperf server --tcp -i "$RA" -p 11111
wait_listen "$R" 11111 sockperf-server
proxy=()
if [ "${SOCKS:-}" = 1 ]; then
  SOCKS_PORT=11080; REDSOCKS_PORT=12345
  start_dante_and_redsocks
  proxy=(--proxy "socks5://127.0.0.1:$SOCKS_PORT")
fi

ping_pong() { # prefix... ; prints sockperf's avg latency (half a round trip) in us
  timeout $((secs + 30)) "$@" sockperf ping-pong --tcp -i "$RA" -p 11111 -t "$secs" 2>&1 \
    | sed -n 's/.*avg-latency=\([0-9.]*\).*/\1/p' | head -1
}

cat >"$tmp/inner.sh" <<EOS
#!/bin/sh
# Runs inside sharptun exec, whose child it is.
if [ "\${STRACE:-}" = 1 ]; then
  strace -f -c -p \$PPID -o "$tmp/strace.txt" 2>/dev/null & tracer=\$!; sleep 1
fi
out=\$(timeout $((secs + 30)) sockperf ping-pong --tcp -i $RA -p 11111 -t $secs 2>&1)
echo "\$(echo "\$out" | grep -o 'avg-latency=[0-9.]*' | head -1 | cut -d= -f2) \$(echo "\$out" | grep -o 'SentMessages=[0-9]*' | head -1 | cut -d= -f2)"
if [ -n "\${tracer:-}" ]; then kill -INT \$tracer; sleep 1; fi
EOS
chmod 755 "$tmp/inner.sh"

echo "# sockperf TCP ping-pong, avg latency (half a round trip) in us; $secs s per run, $rounds rounds"
echo "# reproduce: sudo ${SOCKS:+SOCKS=1 }${SHARPTUN_ARGS:+SHARPTUN_ARGS=\"$SHARPTUN_ARGS\" }bash bench/net/latency.sh $secs $rounds ${checkouts[*]}"
for round in $(seq "$rounds"); do
  echo "round $round: baseline $(ping_pong ip netns exec "$C")"
  [ "${SOCKS:-}" = 1 ] && echo "round $round: proxychains4 -> dante $(ping_pong ip netns exec "$C" proxychains4 -q -f "$tmp/proxychains.conf")"
  for c in "${checkouts[@]}"; do
    out=$(STRACE="${STRACE:-}" ip netns exec "$C" "$c/sharptun" exec ${SHARPTUN_ARGS:-} "${proxy[@]}" -- "$tmp/inner.sh" 2>/dev/null)
    echo "round $round: $(cd "$c" && git describe --always --dirty) $(echo "$out" | head -1 | cut -d' ' -f1)"
    if [ "${STRACE:-}" = 1 ]; then
      messages=$(echo "$out" | awk '{print $2}' | head -1)
      echo "  syscalls per round trip (strace -c over $messages messages):"
      awk -v n="$messages" 'NR > 2 && $4 ~ /^[0-9]+$/ && $NF != "total" { printf "    %-14s %6.2f\n", $NF, $4 / n }' "$tmp/strace.txt" | sort -k2 -nr | head -8
    fi
  done
done
