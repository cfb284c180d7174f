#!/usr/bin/env bash
# Transparent proxy throughput and latency, side by side in one run: the no-tunnel baseline over a
# veth pair; `sharptun exec` with direct://; `sharptun exec` with socks5:// to dante; proxychains4
# into the same dante (no TUN: the ceiling any SOCKS path reaches here); redsocks (iptables REDIRECT)
# into the same dante. Each path: iperf3 TCP 1 and 4 streams, both directions, and sockperf TCP
# ping-pong; for SharpTun also its CPU time and peak RSS.
#
# Needs (Debian): apt-get install -y iperf3 sockperf proxychains4 redsocks dante-server jq iptables
#                 and the .NET 10 SDK for ./sharptun.
# Usage: bash bench/net/proxy.sh [SECONDS]      (as root; SECONDS per measurement, default 5)
#        SHARPTUN_ARGS="--mtu 9000" bash bench/net/proxy.sh   (extra options for sharptun exec)
#
# Everything runs in two namespaces this script creates (stproxy-c-PID "client", stproxy-r-PID
# "remote") joined by a veth pair on 10.202.0.0/24, plus loopback inside the client namespace.
# Servers, dante, redsocks, the iptables rule, the namespaces and the veth pair are removed on exit,
# also on failure or Ctrl-C. Every client command is bounded by `timeout`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-5}"
[ "$(id -u)" = 0 ] || { echo "proxy.sh: run as root" >&2; exit 1; }
for tool in iperf3 sockperf proxychains4 redsocks danted jq iptables setpriv; do
  command -v "$tool" >/dev/null || { echo "proxy.sh: $tool missing (see the apt-get line at the top)" >&2; exit 1; }
done

source "$root/bench/net/testbed.sh"
testbed_init proxy 10.202.0
IPERF_PORT=5201; SOCKPERF_PORT=11111; SOCKS_PORT=11080; REDSOCKS_PORT=12345
limit=$((secs + 40))                         # hard bound on any single client command
rule=(OUTPUT -p tcp -d "$RA" -m owner ! --uid-owner "$NOBODY_UID" -j REDIRECT --to-ports "$REDSOCKS_PORT")

"$root/sharptun" --version >/dev/null        # build first, outside the measurement

testbed_up

# --- servers in the remote namespace, dante and redsocks in the client namespace --------------
daemon iperf3-server ip netns exec "$R" iperf3 -s -B "$RA" -p "$IPERF_PORT"
daemon sockperf-server ip netns exec "$R" sockperf server --tcp -i "$RA" -p "$SOCKPERF_PORT"

start_dante_and_redsocks
wait_listen "$R" "$IPERF_PORT" iperf3-server
wait_listen "$R" "$SOCKPERF_PORT" sockperf-server

# Runs inside `sharptun exec`, whose child it is: samples the SharpTun (dotnet) process's CPU time
# and peak RSS around the command. Output line: wall_start wall_end ticks_before ticks_after VmHWM_kB
cat >"$tmp/probe.sh" <<'EOF'
#!/bin/sh
out="$1"; shift
p=$PPID
case "$(cat /proc/$p/comm 2>/dev/null)" in dotnet*|SharpTun*) ;; *) exec "$@" ;; esac
t0=$(date +%s.%N); b=$(awk '{print $14 + $15}' /proc/$p/stat)
"$@"; rc=$?
a=$(awk '{print $14 + $15}' /proc/$p/stat); t1=$(date +%s.%N)
h=$(awk '/^VmHWM/ {print $2}' /proc/$p/status)
echo "$t0 $t1 $b $a $h" >"$out"
exit $rc
EOF
chmod 755 "$tmp/probe.sh"

# --- the paths ---------------------------------------------------------------------------------
paths=(baseline direct socks5 proxychains4 redsocks)
declare -A label prefix
label[baseline]="baseline (veth, no tunnel)"
label[direct]="sharptun exec, direct://"
label[socks5]="sharptun exec, socks5:// dante"
label[proxychains4]="proxychains4 -> dante"
label[redsocks]="redsocks -> dante"
prefix[baseline]="ip netns exec $C"
prefix[direct]="ip netns exec $C $root/sharptun exec ${SHARPTUN_ARGS:-} --"
prefix[socks5]="ip netns exec $C $root/sharptun exec ${SHARPTUN_ARGS:-} --proxy socks5://127.0.0.1:$SOCKS_PORT --"
prefix[proxychains4]="ip netns exec $C proxychains4 -q -f $tmp/proxychains.conf"
prefix[redsocks]="ip netns exec $C"
tests=(up1 down1 up4 down4)
declare -A targs tname
targs[up1]=""; targs[down1]="-R"; targs[up4]="-P 4"; targs[down4]="-P 4 -R"
tname[up1]="1 stream, client->remote"; tname[down1]="1 stream, remote->client (-R)"
tname[up4]="4 streams, client->remote"; tname[down4]="4 streams, remote->client (-R)"
declare -A gbps lat p50 cpu rss
hz=$(getconf CLK_TCK)

is_sharptun() { [ "$1" = direct ] || [ "$1" = socks5 ]; }

run() { # path key stdout-file command...   -> runs the command through the path, bounded in time
  local path="$1" key="$2" out="$3"; shift 3
  local -a pre; read -r -a pre <<<"${prefix[$path]}"
  rm -f "$tmp/probe.out"
  if is_sharptun "$path"; then
    timeout -k 5 "$limit" "${pre[@]}" "$tmp/probe.sh" "$tmp/probe.out" "$@" >"$out" 2>>"$tmp/$path.stderr" || true
    if [ -s "$tmp/probe.out" ]; then
      read -r t0 t1 b a h <"$tmp/probe.out"
      cpu[$path,$key]=$(awk -v b="$b" -v a="$a" -v hz="$hz" -v t0="$t0" -v t1="$t1" \
        'BEGIN { printf "%.2f s (%.0f%%)", (a - b) / hz, 100 * (a - b) / hz / (t1 - t0) }')
      rss[$path]=$(awk -v h="$h" -v m="${rss[$path]:-0}" 'BEGIN { print (h > m) ? h : m }')
    fi
  else
    timeout -k 5 "$limit" "${pre[@]}" "$@" >"$out" 2>>"$tmp/$path.stderr" || true
  fi
}

# A server that is no longer listening (it exited, or something on the machine killed it) is
# reported with the end of its log and started again, so one loss does not void the rest of the run.
ensure_server() { # name port command...
  local name="$1" port="$2"; shift 2
  if ! ip netns exec "$R" ss -Hltn "sport = :$port" | grep -q .; then
    echo "  warning: $name was gone; restarting it. End of its log:" >&2
    tail -3 "$tmp/$name.log" | sed 's/^/    /' >&2
    mv "$tmp/$name.log" "$tmp/$name.log.old"
    daemon "$name" "$@"
    wait_listen "$R" "$port" "$name"
  fi
}

measure_path() { # path
  local path="$1" t v f
  for t in "${tests[@]}"; do
    f="$tmp/$path-$t.json"
    ensure_server iperf3-server "$IPERF_PORT" ip netns exec "$R" iperf3 -s -B "$RA" -p "$IPERF_PORT"
    # shellcheck disable=SC2086
    run "$path" "$t" "$f" iperf3 -c "$RA" -p "$IPERF_PORT" -t "$secs" ${targs[$t]} -J
    v=$(jq -r '.end.sum_received.bits_per_second // empty' "$f" 2>/dev/null || true)
    if [ -n "$v" ]; then gbps[$path,$t]=$(awk -v v="$v" 'BEGIN { printf "%.2f", v / 1e9 }')
    else gbps[$path,$t]=fail; echo "  $path $t failed: $(jq -r '.error // empty' "$f" 2>/dev/null | head -1)" >&2; fi
    printf '  %-32s %-32s %8s Gbps\n' "${label[$path]}" "${tname[$t]}" "${gbps[$path,$t]}" >&2
    sleep 1
  done
  f="$tmp/$path-sockperf.txt"
  ensure_server sockperf-server "$SOCKPERF_PORT" ip netns exec "$R" sockperf server --tcp -i "$RA" -p "$SOCKPERF_PORT"
  run "$path" lat "$f" sockperf ping-pong --tcp -i "$RA" -p "$SOCKPERF_PORT" -t "$secs"
  lat[$path]=$(sed -n 's/.*Summary: Latency is \([0-9.]*\) usec.*/\1/p' "$f" | head -1)
  p50[$path]=$(sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p' "$f" | head -1)
  : "${lat[$path]:=fail}" "${p50[$path]:=fail}"
  printf '  %-32s %-32s %8s us avg, %s us p50\n' "${label[$path]}" "sockperf ping-pong" "${lat[$path]}" "${p50[$path]}" >&2
  sleep 1
}

echo "# SharpTun transparent proxy benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -r)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), sharptun $("$root/sharptun" --version 2>/dev/null), $(iperf3 --version | head -1), $(danted -v 2>&1 | head -1 | cut -d. -f1-3), redsocks $(redsocks -v 2>&1 | head -1 | cut -d/ -f2)"
echo "# reproduce: sudo bash bench/net/proxy.sh $secs"
echo "# client commands (CLIENT=stproxy-c-PID, remote $RA on a veth, dante on 127.0.0.1:$SOCKS_PORT in CLIENT):"
for p in "${paths[@]}"; do
  echo "#   $(printf '%-31s' "${label[$p]}:") ${prefix[$p]//$tmp/TMP}$(is_sharptun "$p" && echo " TMP/probe.sh OUT") iperf3 -c $RA -t $secs [-R] [-P 4] -J"
done
echo "#   redsocks: ip netns exec CLIENT iptables -t nat -A ${rule[*]}"
echo "#   latency:  PREFIX sockperf ping-pong --tcp -i $RA -p $SOCKPERF_PORT -t $secs   (sockperf's avg latency = half the round trip)"

for p in "${paths[@]}"; do
  echo "running: ${label[$p]}" >&2
  if [ "$p" = redsocks ]; then ip netns exec "$C" iptables -t nat -A "${rule[@]}"; fi
  measure_path "$p"
  if [ "$p" = redsocks ]; then ip netns exec "$C" iptables -t nat -D "${rule[@]}"; fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%+.1f", a - b; else printf "-" }'; }

echo
echo "| test | path | Gbps | x baseline | x proxychains4 | SharpTun CPU (% of a core) |"
echo "|---|---|---:|---:|---:|---:|"
for t in "${tests[@]}"; do
  for p in "${paths[@]}"; do
    echo "| ${tname[$t]} | ${label[$p]} | ${gbps[$p,$t]} | $(ratio "${gbps[$p,$t]}" "${gbps[baseline,$t]}") | $(ratio "${gbps[$p,$t]}" "${gbps[proxychains4,$t]}") | ${cpu[$p,$t]:--} |"
  done
done
echo
echo "| sockperf TCP ping-pong | avg latency us | p50 us | + over baseline | + over proxychains4 | SharpTun CPU | SharpTun peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for p in "${paths[@]}"; do
  r="-"
  if [ -n "${rss[$p]:-}" ]; then r="$(( ${rss[$p]} / 1024 )) MB"; fi
  echo "| ${label[$p]} | ${lat[$p]} | ${p50[$p]} | $(delta "${lat[$p]}" "${lat[baseline]}") | $(delta "${lat[$p]}" "${lat[proxychains4]}") | ${cpu[$p,lat]:--} | $r |"
done
for p in direct socks5; do
  if [ -s "$tmp/$p.stderr" ]; then
    grep -E '^sharptun: .* exited' "$tmp/$p.stderr" | sed "s|$tmp|TMP|; s/^/# $p: /" || true
  fi
done
exit 0
