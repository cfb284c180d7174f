#!/usr/bin/env bash
# Connection-heavy costs of the transparent proxy, side by side in one run:
#  1. new connections per second: wrk with "Connection: close" against nginx in the remote
#     namespace, through the no-tunnel baseline, `sharptun exec` direct://, `sharptun exec`
#     socks5:// to dante, and redsocks into the same dante;
#  2. memory per idle flow: SharpTun's RSS idle and while the command inside `sharptun exec` holds
#     N idle TCP connections open to nginx (default 10,000), for direct:// and socks5://.
#
# Needs (Debian): apt-get install -y wrk nginx-light dante-server redsocks iptables jq python3
#                 and the .NET 10 SDK for ./sharptun.
# Usage: bash bench/net/flows.sh [SECONDS] [IDLE_FLOWS]    (as root; defaults 5 and 10000)
#
# Everything runs in two namespaces this script creates (stflows-c-PID "client", stflows-r-PID
# "remote") joined by a veth pair on 10.204.0.0/24. nginx, dante, redsocks, the iptables rule, the
# namespaces and the veth pair are removed on exit, also on failure or Ctrl-C; every client command
# is bounded by `timeout`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-5}"
idle="${2:-10000}"
[ "$(id -u)" = 0 ] || { echo "flows.sh: run as root" >&2; exit 1; }
# Each proxied flow takes two descriptors in SharpTun (the app side and the outbound): raise the
# open-files limit as far as this process may (children inherit it), and hold no more idle flows
# than fit under it.
ulimit -n "$(ulimit -Hn)"
fit=$(( ($(ulimit -n) - 256) / 2 ))
if [ "$idle" -gt "$fit" ]; then
  echo "flows.sh: the open-files limit ($(ulimit -n)) fits $fit idle flows, not $idle; measuring $fit" >&2
  idle=$fit
fi
for tool in wrk nginx danted redsocks iptables python3 setpriv; do
  command -v "$tool" >/dev/null || { echo "flows.sh: $tool missing (see the apt-get line at the top)" >&2; exit 1; }
done

source "$root/bench/net/testbed.sh"
testbed_init flows 10.204.0
HTTP_PORT=8080; SOCKS_PORT=11080; REDSOCKS_PORT=12345
limit=$((secs + 60))
rule=(OUTPUT -p tcp -d "$RA" -m owner ! --uid-owner "$NOBODY_UID" -j REDIRECT --to-ports "$REDSOCKS_PORT")

"$root/sharptun" --version >/dev/null        # build first, outside the measurement

testbed_up

# nginx: one worker, answers "ok" and closes; idle connections that never send a request are kept
# for 10 minutes (client_header_timeout), which the idle-flow measurement relies on.
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<EOF
daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $tmp/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 60000; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
  uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
  client_header_timeout 600s;
  keepalive_timeout 0;
  server { listen $RA:$HTTP_PORT backlog=4096; location / { return 200 "ok\n"; } }
}
EOF
chmod 644 "$tmp/nginx.conf"
daemon nginx ip netns exec "$R" nginx -c "$tmp/nginx.conf" -e stderr
wait_listen "$R" "$HTTP_PORT" nginx
start_dante_and_redsocks

# Holds N idle connections open inside `sharptun exec` and samples the SharpTun process (its
# parent) before and after: "rss_idle_kB rss_with_flows_kB opened". Each sample also sends SIGUSR1,
# on which SharpTun prints its live managed heap to its stderr ("managed heap N KiB live").
cat >"$tmp/hold.py" <<'EOF'
import os, resource, signal, socket, sys, time
host, port, count, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
resource.setrlimit(resource.RLIMIT_NOFILE, (count + 1024, count + 1024))
def rss():
    os.kill(os.getppid(), signal.SIGUSR1)
    time.sleep(1)
    with open(f"/proc/{os.getppid()}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
time.sleep(1)
before = rss()
held = []
for _ in range(count):
    s = socket.create_connection((host, port), timeout=10)
    held.append(s)
time.sleep(3)        # let SharpTun settle: every relay is waiting, nothing in flight
after = rss()
with open(out, "w") as f:
    f.write(f"{before} {after} {len(held)}\n")
for s in held:
    s.close()
EOF

paths=(baseline direct socks5 redsocks)
declare -A label prefix cps rss0 rss1 heap
label[baseline]="baseline (veth, no tunnel)"
label[direct]="sharptun exec, direct://"
label[socks5]="sharptun exec, socks5:// dante"
label[redsocks]="redsocks -> dante"
prefix[baseline]="ip netns exec $C"
prefix[direct]="ip netns exec $C $root/sharptun exec ${SHARPTUN_ARGS:-} --"
prefix[socks5]="ip netns exec $C $root/sharptun exec ${SHARPTUN_ARGS:-} --proxy socks5://127.0.0.1:$SOCKS_PORT --"
prefix[redsocks]="ip netns exec $C"

for path in "${paths[@]}"; do
  read -r -a pre <<<"${prefix[$path]}"
  [ "$path" = redsocks ] && ip netns exec "$C" iptables -t nat -A "${rule[@]}"
  echo "== $path: wrk -t1 -c64 -d${secs}s, Connection: close" >&2
  timeout -k 5 "$limit" "${pre[@]}" wrk -t1 -c64 -d"${secs}s" -H "Connection: close" "http://$RA:$HTTP_PORT/" \
    >"$tmp/$path-wrk.txt" 2>>"$tmp/$path.stderr" || true
  cps[$path]=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$tmp/$path-wrk.txt")
  errors=$(grep -E "Socket errors|Non-2xx" "$tmp/$path-wrk.txt" || true)
  [ -n "$errors" ] && echo "  $path: $errors" >&2
  [ "$path" = redsocks ] && ip netns exec "$C" iptables -t nat -D "${rule[@]}"
  if [ "$path" = direct ] || [ "$path" = socks5 ]; then
    echo "== $path: $idle idle connections" >&2
    rm -f "$tmp/hold.out"
    timeout -k 5 "$limit" "${pre[@]}" python3 "$tmp/hold.py" "$RA" "$HTTP_PORT" "$idle" "$tmp/hold.out" \
      2>>"$tmp/$path.stderr" || true
    if [ -s "$tmp/hold.out" ]; then
      read -r before after opened <"$tmp/hold.out"
      rss0[$path]=$before; rss1[$path]="$after ($opened flows)"
      rss1[$path,per]=$(awk -v a="$after" -v b="$before" -v n="$opened" 'BEGIN { printf "%.2f", (a - b) / n }')
      heap[$path]=$(grep -oP 'managed heap \K[0-9]+' "$tmp/$path.stderr" | tail -2 | tr '\n' ' ' |
        awk -v n="$opened" '{ printf "%.0f MiB idle, %.2f KiB per flow", $1 / 1024, ($2 - $1) / n }')
    else
      echo "  $path: idle-flow run failed; stderr:" >&2; tail -5 "$tmp/$path.stderr" >&2
    fi
  fi
done

echo
echo "| path | new connections/s | x baseline | RSS idle | RSS with $idle idle flows | RSS per flow | managed heap |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for path in "${paths[@]}"; do
  ratio=$(awk -v v="${cps[$path]:-0}" -v b="${cps[baseline]:-0}" 'BEGIN { if (b > 0) printf "%.2f", v / b; else print "-" }')
  if [ -n "${rss0[$path]:-}" ]; then
    echo "| ${label[$path]} | ${cps[$path]:-failed} | $ratio | $((rss0[$path] / 1024)) MiB | ${rss1[$path]} KiB | ${rss1[$path,per]} KiB | ${heap[$path]:-} |"
  else
    echo "| ${label[$path]} | ${cps[$path]:-failed} | $ratio | - | - | - | - |"
  fi
done
