#!/usr/bin/env bash
# Fake-IP DNS queries per second: dnsperf inside `sharptun exec` against SharpTun's resolver
# (198.19.0.2, answered on the TUN), with --queues 1 and 2, and as the baseline the same dnsperf
# against dnsmasq answering every name from its config (--address=/#/...) in a second namespace over
# a veth pair. Two query files: "unique", 100,000 distinct names with A and AAAA each (the default
# 198.18.0.0/16 pool holds 65,534 IPv4 names, so every A query of the cycle takes the least recently
# used address: the pool allocates and recycles all the time), and "steady", 1,000 names with A and
# AAAA each (names already in the pool). Per run: queries/s, dnsperf's average latency, lost
# queries, the server's CPU (% of one core and µs per query), dnsperf's CPU and how busy the whole
# machine was. Then a fixed-rate run per path with per-query latencies (dnsperf -v) for p50/p99.
#
# Needs (Debian): apt-get install -y dnsperf dnsmasq-base   (dnsperf is installed when missing)
#                 and the .NET 10 SDK for ./sharptun.
# Usage: bash bench/net/dns.sh [SECONDS] [ROUNDS]     (as root; defaults 10 and 3)
#        CLIENTS=8 OUTSTANDING=200 LAT_QPS=20000 bash bench/net/dns.sh   (dnsperf -c, -q, and the
#        rate of the latency runs; these are the defaults)
#        DNSPERF_ARGS="-T 2" bash bench/net/dns.sh                     (extra options for every dnsperf)
#        SHARPTUN_ARGS="--log-level Warning" bash bench/net/dns.sh      (extra options for sharptun exec)
#
# Everything runs in two namespaces this script creates (stdns-c-PID "client", stdns-r-PID
# "remote", dnsmasq's) joined by a veth pair on 10.208.0.0/24, plus the private namespace `sharptun
# exec` makes for dnsperf inside stdns-c-PID; dnsperf only ever queries 198.19.0.2 there or dnsmasq
# at 10.208.0.2. dnsmasq, the namespaces and the veth pair are removed on exit, also on failure or
# Ctrl-C; every dnsperf is bounded by -l (time) and by `timeout`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-10}"; rounds="${2:-3}"
clients="${CLIENTS:-8}"; outstanding="${OUTSTANDING:-200}"; lat_qps="${LAT_QPS:-20000}"
[ "$(id -u)" = 0 ] || { echo "dns.sh: run as root" >&2; exit 1; }
if ! command -v dnsperf >/dev/null; then
  echo "dns.sh: installing dnsperf (apt-get install -y dnsperf)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsperf >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsperf >/dev/null; }
fi
for tool in dnsperf dnsmasq setsid; do
  command -v "$tool" >/dev/null || { echo "dns.sh: $tool missing (see the apt-get line at the top)" >&2; exit 1; }
done

"$root/sharptun" --version >/dev/null        # build first, outside the measurement

source "$root/bench/net/testbed.sh"
testbed_init dns 10.208.0
limit=$((secs + 30))                         # hard bound on any single dnsperf
hz=$(getconf CLK_TCK)
testbed_up

# --- query files -----------------------------------------------------------------------------
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "host%d.example-cdn.net A\nhost%d.example-cdn.net AAAA\n", i, i }' >"$tmp/unique.txt"
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "www%d.example.com A\nwww%d.example.com AAAA\n", i, i }' >"$tmp/steady.txt"
chmod 644 "$tmp"/*.txt

# --- dnsmasq: every name answered from its config, nothing upstream, no cache, no logging ------
daemon dnsmasq ip netns exec "$R" dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
  --listen-address="$RA" --bind-interfaces --port=53 --cache-size=0 --user=root --pid-file= \
  --address=/#/192.0.2.1 --address=/#/2001:db8::1 --log-facility=-
for _ in $(seq 100); do
  ip netns exec "$R" ss -Hlun "sport = :53" | grep -q . && break
  sleep 0.1
done
ip netns exec "$C" dnsperf -s "$RA" -d "$tmp/steady.txt" -n 1 -l 5 >/dev/null 2>&1 \
  || { echo "dns.sh: dnsmasq does not answer; its log:" >&2; cat "$tmp/dnsmasq.log" >&2; exit 1; }

# Runs dnsperf and samples around it: the CPU time (utime + stime) of SERVER_PID (for SharpTun its
# parent, read from inside `sharptun exec`), dnsperf's own (its children's time once reaped), the
# machine's busy and total ticks (/proc/stat) and the wall clock. Writes to OUT:
# "wall_s server_ticks dnsperf_ticks machine_busy_ticks machine_total_ticks".
cat >"$tmp/probe.sh" <<'EOF'
#!/bin/sh
out="$1"; server="$2"; shift 2
if [ "$server" = parent ]; then
  server=$PPID
  case "$(cat /proc/$server/comm 2>/dev/null)" in dotnet*|SharpTun*) ;; *) echo "probe: parent is not SharpTun" >&2; exit 1 ;; esac
fi
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
machine() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
t0=$(date +%s.%N); s0=$(ticks "$server"); m0=$(machine)
"$@"; rc=$?
t1=$(date +%s.%N); s1=$(ticks "$server"); m1=$(machine)
c=$(awk '{print $16 + $17}' /proc/$$/stat)
echo "$t0 $t1 $s0 $s1 $c $m0 $m1" | awk '{print $2 - $1, $4 - $3, $5, $8 - $6, $9 - $7}' >"$out"
exit $rc
EOF
chmod 755 "$tmp/probe.sh"

paths=(dnsmasq q1 q2)
declare -A label prefix server
label[dnsmasq]="dnsmasq over a veth (baseline)"
label[q1]="sharptun exec --queues 1"
label[q2]="sharptun exec --queues 2"
prefix[dnsmasq]="ip netns exec $C"
prefix[q1]="ip netns exec $C $root/sharptun exec --queues 1 ${SHARPTUN_ARGS:-} --"
prefix[q2]="ip netns exec $C $root/sharptun exec --queues 2 ${SHARPTUN_ARGS:-} --"
declare -A address
address[dnsmasq]="$RA"; address[q1]=198.19.0.2; address[q2]=198.19.0.2

run() { # path file-kind tag dnsperf-args...   -> $tmp/TAG.out (dnsperf's stdout) and $tmp/TAG.probe
  local path="$1" kind="$2" tag="$3"; shift 3
  local -a pre; read -r -a pre <<<"${prefix[$path]}"
  local who=parent
  [ "$path" = dnsmasq ] && who="${daemon_pgid[dnsmasq]}"
  # The dnsmasq daemon's process group leader is `ip netns exec`, which execs dnsmasq: the same PID.
  rm -f "$tmp/$tag.probe"
  timeout -k 5 "$limit" "${pre[@]}" "$tmp/probe.sh" "$tmp/$tag.probe" "$who" \
    dnsperf -s "${address[$path]}" -d "$tmp/$kind.txt" -l "$secs" -c "$clients" -q "$outstanding" -t 2 ${DNSPERF_ARGS:-} "$@" \
    >"$tmp/$tag.out" 2>>"$tmp/$path.stderr" || true
}

field() { sed -n "s/^ *$2: *\([0-9.]*\).*/\1/p" "$1" | head -1; }

declare -A qps avg lost cpu us dcpu busy p50 p99 lavg
summarise() { # tag
  local t="$1" f="$tmp/$1.out" wall s d mb mt
  qps[$t]=$(field "$f" "Queries per second" | awk '{ if ($1 != "") printf "%.0f", $1 }')
  avg[$t]=$(field "$f" "Average Latency (s)" | awk '{ if ($1 != "") printf "%.2f", $1 * 1000 }')
  lost[$t]=$(sed -n 's/^ *Queries lost: *\([0-9]* ([0-9.]*%)\).*/\1/p' "$f" | head -1)
  : "${qps[$t]:=fail}" "${avg[$t]:=-}" "${lost[$t]:=-}"
  if [ -s "$tmp/$t.probe" ]; then
    read -r wall s d mb mt <"$tmp/$t.probe"
    local sent; sent=$(field "$f" "Queries completed")
    cpu[$t]=$(awk -v s="$s" -v hz="$hz" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * s / hz / w }')
    us[$t]=$(awk -v s="$s" -v hz="$hz" -v n="${sent:-0}" 'BEGIN { if (n > 0) printf "%.1f", 1e6 * s / hz / n; else printf "-" }')
    dcpu[$t]=$(awk -v s="$d" -v hz="$hz" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * s / hz / w }')
    busy[$t]=$(awk -v b="$mb" -v t="$mt" -v n="$(nproc)" 'BEGIN { if (t > 0) printf "%.0f%%", 100 * n * b / t; else printf "-" }')
  fi
}

echo "# SharpTun fake-IP DNS benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), sharptun $("$root/sharptun" --version 2>/dev/null), dnsperf $(dnsperf -h 2>&1 | sed -n 's/^Version //p'), $(dnsmasq --version | head -1 | cut -d' ' -f1-3)"
echo "# reproduce: sudo ${SHARPTUN_ARGS:+SHARPTUN_ARGS=\"$SHARPTUN_ARGS\" }${DNSPERF_ARGS:+DNSPERF_ARGS=\"$DNSPERF_ARGS\" }CLIENTS=$clients OUTSTANDING=$outstanding LAT_QPS=$lat_qps bash bench/net/dns.sh $secs $rounds"
echo "# commands (CLIENT=stdns-c-PID; dnsmasq at $RA in stdns-r-PID over a veth):"
for p in "${paths[@]}"; do
  echo "#   $(printf '%-31s' "${label[$p]}:") ${prefix[$p]//$tmp/TMP} dnsperf -s ${address[$p]} -d TMP/{unique,steady}.txt -l $secs -c $clients -q $outstanding -t 2${DNSPERF_ARGS:+ $DNSPERF_ARGS}"
done
echo "#   latency: the same at -Q $lat_qps with -v (one line per answer, its latency last)"
echo "# unique.txt: 100,000 names x (A, AAAA); steady.txt: 1,000 names x (A, AAAA); dnsperf cycles through the file."

for round in $(seq "$rounds"); do
  for kind in unique steady; do
    for p in "${paths[@]}"; do
      tag="$p-$kind-$round"
      run "$p" "$kind" "$tag"
      summarise "$tag"
      printf '  round %s %-7s %-31s %8s q/s, avg %s ms, lost %s, server CPU %s (%s us/query), dnsperf CPU %s, machine busy %s of %s\n' \
        "$round" "$kind" "${label[$p]}" "${qps[$tag]}" "${avg[$tag]}" "${lost[$tag]}" "${cpu[$tag]:--}" "${us[$tag]:--}" \
        "${dcpu[$tag]:--}" "${busy[$tag]:--}" "$(( $(nproc) * 100 ))%" >&2
      sleep 1
    done
  done
done

for p in "${paths[@]}"; do
  tag="$p-latency"
  run "$p" steady "$tag" -Q "$lat_qps" -v
  summarise "$tag"
  read -r p50[$p] p99[$p] lavg[$p] < <(awk '/^> NOERROR/ { print $NF * 1e6 }' "$tmp/$tag.out" | sort -n \
    | awk '{ v[NR] = $1; s += $1 } END { if (NR) printf "%.0f %.0f %.0f\n", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], s / NR; else print "- - -" }')
  printf '  latency at %s q/s  %-31s achieved %s q/s, avg %s us, p50 %s us, p99 %s us, lost %s\n' \
    "$lat_qps" "${label[$p]}" "${qps[$tag]}" "${lavg[$p]}" "${p50[$p]}" "${p99[$p]}" "${lost[$tag]}" >&2
  sleep 1
done

# Range over rounds: "min-max" (one value when all equal), "fail" when no round produced a number.
range() { # kind path
  local r v vals=()
  for r in $(seq "$rounds"); do
    v="${qps[$2-$1-$r]}"
    [ "$v" != fail ] && vals+=("$v")
  done
  [ "${#vals[@]}" -gt 0 ] || { echo fail; return; }
  printf '%s\n' "${vals[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (lo == hi) ? lo : lo "-" hi }'
}
per_round() { # kind path array   -> the array's value of each round, comma separated
  local r out=""
  local -n values="$3"
  for r in $(seq "$rounds"); do out+="${out:+, }${values[$2-$1-$r]:--}"; done
  echo "$out"
}

echo
echo "| query file | path | queries/s (range over $rounds rounds) | x baseline (median round) | avg latency ms | lost | server CPU | server us/query | dnsperf CPU | machine busy (of $(( $(nproc) * 100 ))%) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
median() { # kind path
  local r vals=()
  for r in $(seq "$rounds"); do vals+=("${qps[$2-$1-$r]}"); done
  printf '%s\n' "${vals[@]}" | grep -v fail | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}
for kind in unique steady; do
  base=$(median "$kind" dnsmasq)
  for p in "${paths[@]}"; do
    m=$(median "$kind" "$p")
    ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }')
    echo "| $kind | ${label[$p]} | $(range "$kind" "$p") | $ratio | $(per_round "$kind" "$p" avg) | $(per_round "$kind" "$p" lost) | $(per_round "$kind" "$p" cpu) | $(per_round "$kind" "$p" us) | $(per_round "$kind" "$p" dcpu) | $(per_round "$kind" "$p" busy) |"
  done
done
echo
echo "| steady.txt at -Q $lat_qps | achieved q/s | avg us | p50 us | p99 us | lost | server CPU |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for p in "${paths[@]}"; do
  echo "| ${label[$p]} | ${qps[$p-latency]} | ${lavg[$p]} | ${p50[$p]} | ${p99[$p]} | ${lost[$p-latency]} | ${cpu[$p-latency]:--} |"
done
for p in q1 q2; do
  if [ -s "$tmp/$p.stderr" ]; then
    grep -E '^sharptun: .* exited|warn|fail' "$tmp/$p.stderr" | sort | uniq -c | sed "s|$tmp|TMP|; s/^/# $p: /" || true
  fi
done
exit 0
