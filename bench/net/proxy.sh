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
# Everything runs in two namespaces this script creates (stbench-c-PID "client", stbench-r-PID
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

C="stbench-c-$$"; R="stbench-r-$$"           # client and remote namespaces
VC="stbc$$"; VR="stbr$$"                     # veth ends (client, remote)
CA=10.202.0.1; RA=10.202.0.2                 # their addresses
IPERF_PORT=5201; SOCKPERF_PORT=11111; SOCKS_PORT=11080; REDSOCKS_PORT=12345
NOBODY_UID=$(id -u nobody); NOBODY_GID=$(id -g nobody)
limit=$((secs + 40))                         # hard bound on any single client command
tmp="$(mktemp -d /tmp/stbench-proxy.XXXXXX)"
chmod 755 "$tmp"
pgids=()                                     # process groups of the daemons we started
rule=(OUTPUT -p tcp -d "$RA" -m owner ! --uid-owner "$NOBODY_UID" -j REDIRECT --to-ports "$REDSOCKS_PORT")

cleanup() {
  set +e
  local pg
  ip netns exec "$C" iptables -t nat -D "${rule[@]}" 2>/dev/null
  for pg in "${pgids[@]}"; do kill -TERM -- "-$pg" 2>/dev/null; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for pg in "${pgids[@]}"; do kill -0 -- "-$pg" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pg in "${pgids[@]}"; do kill -KILL -- "-$pg" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$C" 2>/dev/null              # takes the veth pair with it
  ip netns del "$R" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a daemon in its own process group (so cleanup can end it and all its children by id).
daemon() { # name command...
  local name="$1"; shift
  setsid "$@" >"$tmp/$name.log" 2>&1 </dev/null &
  pgids+=("$!")
}
wait_listen() { # namespace port name
  for _ in $(seq 100); do
    ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
    sleep 0.1
  done
  echo "proxy.sh: $3 is not listening on port $2; its log:" >&2; cat "$tmp/$3.log" >&2; exit 1
}

"$root/sharptun" --version >/dev/null        # build first, outside the measurement

# --- namespaces and veth ---------------------------------------------------------------------
ip netns add "$C"
ip netns add "$R"
ip link add "$VC" netns "$C" type veth peer name "$VR" netns "$R"
ip -n "$C" addr add "$CA/24" dev "$VC"
ip -n "$R" addr add "$RA/24" dev "$VR"
for ns in "$C" "$R"; do ip -n "$ns" link set lo up; done
ip -n "$C" link set "$VC" up
ip -n "$R" link set "$VR" up
ip netns exec "$C" ping -c 1 -W 2 "$RA" >/dev/null

# --- servers in the remote namespace, dante and redsocks in the client namespace --------------
daemon iperf3-server ip netns exec "$R" iperf3 -s -B "$RA" -p "$IPERF_PORT"
daemon sockperf-server ip netns exec "$R" sockperf server --tcp -i "$RA" -p "$SOCKPERF_PORT"

mkdir -p "$tmp/run"; chown "$NOBODY_UID:$NOBODY_GID" "$tmp/run"
cat >"$tmp/danted.conf" <<EOF
logoutput: stderr
internal: 127.0.0.1 port = $SOCKS_PORT
external: $VC
clientmethod: none
socksmethod: none
user.privileged: nobody
user.unprivileged: nobody
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 command: connect bind udpassociate bindreply udpreply }
EOF
cat >"$tmp/proxychains.conf" <<EOF
strict_chain
quiet_mode
tcp_read_time_out 15000
tcp_connect_time_out 8000
[ProxyList]
socks5 127.0.0.1 $SOCKS_PORT
EOF
cat >"$tmp/redsocks.conf" <<EOF
base { log_debug = off; log_info = off; log = stderr; daemon = off; redirector = iptables; }
redsocks { local_ip = 127.0.0.1; local_port = $REDSOCKS_PORT; ip = 127.0.0.1; port = $SOCKS_PORT; type = socks5; }
EOF
chmod 644 "$tmp"/*.conf
# dante runs entirely as nobody so that the iptables rule for redsocks can leave its own outbound
# connections alone (-m owner ! --uid-owner nobody); root-owned sockets (the benchmark clients)
# to the remote are redirected while the redsocks phase runs.
daemon danted ip netns exec "$C" setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
  danted -f "$tmp/danted.conf" -p "$tmp/run/danted.pid"
daemon redsocks ip netns exec "$C" redsocks -c "$tmp/redsocks.conf"
wait_listen "$R" "$IPERF_PORT" iperf3-server
wait_listen "$R" "$SOCKPERF_PORT" sockperf-server
wait_listen "$C" "$SOCKS_PORT" danted
wait_listen "$C" "$REDSOCKS_PORT" redsocks

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
echo "# client commands (CLIENT=stbench-c-PID, remote $RA on a veth, dante on 127.0.0.1:$SOCKS_PORT in CLIENT):"
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
