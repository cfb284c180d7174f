#!/usr/bin/env bash
# VPN throughput, latency and CPU cost, side by side in one run over the same veth pair: the
# no-tunnel baseline; Debian's wireguard-go (configured with `wg setconf`) on both ends; SharpTun
# (`sharptun vpn up FILE.conf`) on both ends; OpenVPN 2.6 in userspace (peer-to-peer TLS mode, DCO
# off) with AES-256-GCM and with CHACHA20-POLY1305; SharpTun with `Transport = tcp` on both ends.
# Each tunnel: iperf3 TCP 1 and 4 streams both ways, ping RTT (COUNT pings 10 ms apart), and the
# CPU time of the tunnel processes on both ends (utime + stime from /proc/PID/stat, before and
# after each transfer) per GB moved. Every tunnel uses an inner MTU of 1420 (wg-quick's default
# over a 1500-byte link) so that all carry the same packets.
#
# Needs (Debian): apt-get install -y iperf3 jq wireguard-tools wireguard-go openvpn openssl nftables iputils-ping
#                 and the .NET 10 SDK for ./sharptun.
# Usage: bash bench/net/vpn.sh [SECONDS] [COUNT]   (as root; SECONDS per transfer, default 10;
#                                                    COUNT pings per tunnel, default 200)
#        VPN_PATHS="baseline sharptun" bash bench/net/vpn.sh   (a subset, in that order)
#        SHARPTUN_OTHER=/path/to/other/checkout bash bench/net/vpn.sh   (adds the path sharptun-other:
#                 that checkout's ./sharptun over UDP, right after this one's, to compare two versions)
#
# Everything runs in two namespaces this script creates (stvpn-c-PID "client", stvpn-r-PID
# "remote") joined by a veth pair on 10.206.0.0/24; tunnel N uses 10.207.N.0/24 inside. One tunnel
# is up at a time. The tunnel daemons, the iperf3 server, the namespaces (with the veth pair and
# the tunnel devices), the keys, certificates and configuration files (in a temporary directory)
# are removed on exit, also on failure or Ctrl-C. Every client command is bounded by `timeout`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
secs="${1:-10}"
pings="${2:-200}"
[ "$(id -u)" = 0 ] || { echo "vpn.sh: run as root" >&2; exit 1; }
for tool in iperf3 jq wg wireguard-go openvpn openssl nft ping; do
  command -v "$tool" >/dev/null || { echo "vpn.sh: $tool missing (see the apt-get line at the top)" >&2; exit 1; }
done

source "$root/bench/net/testbed.sh"
testbed_init vpn 10.206.0
IPERF_PORT=5201
MTU=1420
limit=$((secs + 30))                         # hard bound on any single client command
hz=$(getconf CLK_TCK)

"$root/sharptun" --version >/dev/null        # build first, outside the measurement
if [ -n "${SHARPTUN_OTHER:-}" ]; then
  other_version=$("$SHARPTUN_OTHER/sharptun" --version) \
    || { echo "vpn.sh: SHARPTUN_OTHER=$SHARPTUN_OTHER: its ./sharptun --version failed" >&2; exit 1; }
fi

testbed_up
daemon iperf3-server ip netns exec "$R" iperf3 -s -p "$IPERF_PORT"
wait_listen "$R" "$IPERF_PORT" iperf3-server

# --- the paths -----------------------------------------------------------------------------------
all_paths=(baseline wireguard-go sharptun sharptun-other openvpn-aes openvpn-chacha sharptun-tcp)
default_paths=("${all_paths[@]}")
[ -n "${SHARPTUN_OTHER:-}" ] || default_paths=(baseline wireguard-go sharptun openvpn-aes openvpn-chacha sharptun-tcp)
read -r -a paths <<<"${VPN_PATHS:-${default_paths[*]}}"
declare -A label number target
label[baseline]="baseline (veth, no tunnel)"
label[wireguard-go]="wireguard-go"
label[sharptun]="SharpTun"
label[openvpn-aes]="OpenVPN AES-256-GCM"
label[openvpn-chacha]="OpenVPN CHACHA20-POLY1305"
label[sharptun-tcp]="SharpTun, Transport = tcp"
other_commit="${other_version:-unset}"; other_commit="${other_commit#*+}"
label[sharptun-other]="SharpTun ${other_commit:0:7} (SHARPTUN_OTHER)"
for i in "${!all_paths[@]}"; do number[${all_paths[$i]}]=$((i + 1)); done
for p in "${paths[@]}"; do
  [ -n "${label[$p]:-}" ] || { echo "vpn.sh: unknown path '$p' in VPN_PATHS (known: ${all_paths[*]})" >&2; exit 1; }
  [ "$p" != sharptun-other ] || [ -n "${SHARPTUN_OTHER:-}" ] || { echo "vpn.sh: the path sharptun-other needs SHARPTUN_OTHER" >&2; exit 1; }
done

inner() { echo "10.207.${number[$1]}.$2"; } # path side(1 client, 2 remote)

# Waits until the remote end of the tunnel answers (the first packets start the handshake).
wait_tunnel() { # path
  local i
  for i in $(seq 30); do
    ip netns exec "$C" ping -c 1 -W 1 "${target[$1]}" >/dev/null 2>&1 && return 0
  done
  echo "vpn.sh: ${label[$1]}: ${target[$1]} does not answer through the tunnel; the logs:" >&2
  tail -n 20 "$tmp/$1"-*.log >&2
  exit 1
}

# SharpTun: a wg-quick file per end; with tcp the remote listens and the client dials.
up_sharptun() { # path transport port [checkout]
  local p="$1" transport="$2" port="$3" checkout="${4:-$root}" side ns name
  local key_c key_r
  key_c=$(wg genkey); key_r=$(wg genkey)
  mkdir -p "$tmp/$p"
  for side in c r; do
    if [ "$side" = c ]; then ns="$C"; else ns="$R"; fi
    name="st${transport:0:1}$side$$"
    {
      echo "[Interface]"
      if [ "$side" = c ]; then echo "PrivateKey = $key_c"; echo "Address = $(inner "$p" 1)/24"
      else echo "PrivateKey = $key_r"; echo "Address = $(inner "$p" 2)/24"; fi
      if [ "$transport" = udp ] || [ "$side" = r ]; then echo "ListenPort = $port"; fi
      echo "MTU = $MTU"
      echo "Transport = $transport"
      echo "[Peer]"
      if [ "$side" = c ]; then
        echo "PublicKey = $(wg pubkey <<<"$key_r")"; echo "AllowedIPs = $(inner "$p" 2)/32"; echo "Endpoint = $RA:$port"
      else
        echo "PublicKey = $(wg pubkey <<<"$key_c")"; echo "AllowedIPs = $(inner "$p" 1)/32"
        if [ "$transport" = udp ]; then echo "Endpoint = $CA:$port"; fi
      fi
    } >"$tmp/$p/$name.conf"
    chmod 600 "$tmp/$p/$name.conf"
    daemon "$p-$side" ip netns exec "$ns" "$checkout/sharptun" vpn up "$tmp/$p/$name.conf" \
      --journal-dir "$tmp/$p/journal-$side" --run-dir "$tmp/$p/run-$side"
    wait_log "$p-$side" "$name is up" 30
  done
}

up_wireguard_go() { # path port
  local p="$1" port="$2" side ns name
  local key_c key_r
  key_c=$(wg genkey); key_r=$(wg genkey)
  mkdir -p "$tmp/$p"
  for side in c r; do
    if [ "$side" = c ]; then ns="$C"; else ns="$R"; fi
    name="stwg$side$$"                       # wireguard-go's UAPI socket, /var/run/wireguard/NAME.sock, is not per namespace
    if [ "$side" = c ]; then
      printf '[Interface]\nPrivateKey = %s\nListenPort = %s\n[Peer]\nPublicKey = %s\nAllowedIPs = %s/32\nEndpoint = %s:%s\n' \
        "$key_c" "$port" "$(wg pubkey <<<"$key_r")" "$(inner "$p" 2)" "$RA" "$port" >"$tmp/$p/$name.conf"
    else
      printf '[Interface]\nPrivateKey = %s\nListenPort = %s\n[Peer]\nPublicKey = %s\nAllowedIPs = %s/32\nEndpoint = %s:%s\n' \
        "$key_r" "$port" "$(wg pubkey <<<"$key_c")" "$(inner "$p" 1)" "$CA" "$port" >"$tmp/$p/$name.conf"
    fi
    daemon "$p-$side" ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go "$name"
    for _ in $(seq 100); do [ -S "/var/run/wireguard/$name.sock" ] && break; sleep 0.1; done
    [ -S "/var/run/wireguard/$name.sock" ] || { echo "vpn.sh: wireguard-go did not open its UAPI socket; its log:" >&2; cat "$tmp/$p-$side.log" >&2; exit 1; }
    ip netns exec "$ns" wg setconf "$name" "$tmp/$p/$name.conf"
    ip -n "$ns" addr add "$(inner "$p" "$([ "$side" = c ] && echo 1 || echo 2)")/24" dev "$name"
    ip -n "$ns" link set "$name" mtu "$MTU" up
  done
}

# A tiny PKI for OpenVPN's TLS mode (P-256 keys: quick to make), valid for a day.
make_pki() {
  local d="$tmp/pki" n
  [ -f "$d/ca.crt" ] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=stvpn-ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  for n in server client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=stvpn-$n" \
      -keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null
    openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 1 \
      -out "$d/$n.crt" 2>/dev/null
  done
}

# OpenVPN peer to peer: the remote end is the TLS server, the client the TLS client; the only
# data cipher either accepts is CIPHER, so the negotiation (OpenVPN 2.6 P2P NCP) must pick it.
up_openvpn() { # path cipher port
  local p="$1" cipher="$2" port="$3" side ns d="$tmp/pki"
  make_pki
  for side in c r; do
    local -a args=(--dev "stov$side$$" --dev-type tun --proto udp --port "$port" --disable-dco
      --tun-mtu "$MTU" --data-ciphers "$cipher" --ca "$d/ca.crt" --verb 3)
    if [ "$side" = c ]; then
      ns="$C"; args+=(--local "$CA" --remote "$RA" --ifconfig "$(inner "$p" 1)" "$(inner "$p" 2)"
        --tls-client --cert "$d/client.crt" --key "$d/client.key")
    else
      ns="$R"; args+=(--local "$RA" --remote "$CA" --ifconfig "$(inner "$p" 2)" "$(inner "$p" 1)"
        --tls-server --dh none --cert "$d/server.crt" --key "$d/server.key")
    fi
    daemon "$p-$side" ip netns exec "$ns" openvpn "${args[@]}"
  done
  for side in c r; do
    wait_log "$p-$side" "Initialization Sequence Completed" 30
    grep -q "Data Channel: cipher '$cipher'" "$tmp/$p-$side.log" \
      || { echo "vpn.sh: OpenVPN ($side) did not choose $cipher; its log:" >&2; cat "$tmp/$p-$side.log" >&2; exit 1; }
  done
}

path_up() { # path
  local p="$1"
  case "$p" in
    baseline) target[$p]="$RA"; return 0 ;;
    wireguard-go) up_wireguard_go "$p" 51821 ;;
    sharptun) up_sharptun "$p" udp 51820 ;;
    sharptun-tcp) up_sharptun "$p" tcp 51822 ;;
    sharptun-other) up_sharptun "$p" udp 51823 "$SHARPTUN_OTHER" ;;
    openvpn-aes) up_openvpn "$p" AES-256-GCM 1194 ;;
    openvpn-chacha) up_openvpn "$p" CHACHA20-POLY1305 1195 ;;
  esac
  target[$p]="$(inner "$p" 2)"
  wait_tunnel "$p"
}

path_down() { # path
  [ "$1" = baseline ] && return 0
  stop_daemon "$1-c"
  stop_daemon "$1-r"
}

tunnel_ticks() { # path
  if [ "$1" = baseline ]; then echo 0; else daemon_ticks "$1-c" "$1-r"; fi
}

# UDP datagrams the kernel dropped because a socket's receive buffer was full, both namespaces.
rcvbuf_drops() {
  local ns
  for ns in "$C" "$R"; do
    ip netns exec "$ns" cat /proc/net/snmp /proc/net/snmp6
  done | awk '/^Udp: [A-Z]/ { for (i = 1; i <= NF; i++) col[i] = $i; next }
              /^Udp: [0-9]/ { for (i = 2; i <= NF; i++) if (col[i] == "RcvbufErrors") sum += $i }
              /^Udp6RcvbufErrors/ { sum += $2 }
              END { print sum + 0 }'
}

ensure_iperf3_server() {
  if ! ip netns exec "$R" ss -Hltn "sport = :$IPERF_PORT" | grep -q .; then
    echo "  warning: the iperf3 server was gone; restarting it. End of its log:" >&2
    tail -3 "$tmp/iperf3-server.log" | sed 's/^/    /' >&2
    stop_daemon iperf3-server
    mv "$tmp/iperf3-server.log" "$tmp/iperf3-server.log.old"
    daemon iperf3-server ip netns exec "$R" iperf3 -s -p "$IPERF_PORT"
    wait_listen "$R" "$IPERF_PORT" iperf3-server
  fi
}

tests=(up1 down1 up4 down4)
declare -A targs tname
targs[up1]=""; targs[down1]="-R"; targs[up4]="-P 4"; targs[down4]="-P 4 -R"
tname[up1]="1 stream, client->remote"; tname[down1]="1 stream, remote->client (-R)"
tname[up4]="4 streams, client->remote"; tname[down4]="4 streams, remote->client (-R)"
declare -A gbps retr cpugb cpupct drops rtt_avg rtt_p50 rtt_loss others

# Cores' worth of CPU that processes outside the namespaces used from t0 to t1 (from the snapshots).
others_cores() { # t0 t1
  awk -v d="$(foreign_ticks "$tmp/others.before" "$tmp/others.after")" -v hz="$hz" -v t0="$1" -v t1="$2" \
    'BEGIN { printf "%.2f", d / hz / (t1 - t0) }'
}

measure_path() { # path
  local p="$1" t f before after t0 t1 d0 d1 v
  for t in "${tests[@]}"; do
    f="$tmp/$p-$t.json"
    ensure_iperf3_server
    foreign_snapshot "$tmp/others.before"
    d0=$(rcvbuf_drops); before=$(tunnel_ticks "$p"); t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    timeout -k 5 "$limit" ip netns exec "$C" iperf3 -c "${target[$p]}" -p "$IPERF_PORT" -t "$secs" ${targs[$t]} -J >"$f" 2>>"$tmp/$p.stderr" || true
    t1=$(date +%s.%N); after=$(tunnel_ticks "$p"); d1=$(rcvbuf_drops)
    foreign_snapshot "$tmp/others.after"
    others[$p,$t]=$(others_cores "$t0" "$t1")
    v=$(jq -r '.end.sum_received.bits_per_second // empty' "$f" 2>/dev/null || true)
    if [ -n "$v" ]; then
      local bytes
      bytes=$(jq -r '.end.sum_received.bytes' "$f")
      gbps[$p,$t]=$(awk -v v="$v" 'BEGIN { printf "%.2f", v / 1e9 }')
      retr[$p,$t]=$(jq -r '.end.sum_sent.retransmits // "-"' "$f")
      drops[$p,$t]=$((d1 - d0))
      if [ "$p" != baseline ]; then
        cpugb[$p,$t]=$(awk -v d=$((after - before)) -v hz="$hz" -v b="$bytes" 'BEGIN { printf "%.2f", d / hz / (b / 1e9) }')
        cpupct[$p,$t]=$(awk -v d=$((after - before)) -v hz="$hz" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", 100 * d / hz / (t1 - t0) }')
      fi
    else
      gbps[$p,$t]=fail
      echo "  $p $t failed: $(jq -r '.error // empty' "$f" 2>/dev/null | head -1)" >&2
    fi
    printf '  %-28s %-32s %8s Gbps  %6s s/GB  (other processes: %s cores)\n' "${label[$p]}" "${tname[$t]}" "${gbps[$p,$t]}" "${cpugb[$p,$t]:--}" "${others[$p,$t]}" >&2
    sleep 1
  done
  f="$tmp/$p-ping.txt"
  foreign_snapshot "$tmp/others.before"; t0=$(date +%s.%N)
  timeout -k 5 "$limit" ip netns exec "$C" ping -n -c "$pings" -i 0.01 -W 1 "${target[$p]}" >"$f" 2>&1 || true
  t1=$(date +%s.%N); foreign_snapshot "$tmp/others.after"
  others[$p,ping]=$(others_cores "$t0" "$t1")
  read -r rtt_avg[$p] rtt_p50[$p] rtt_loss[$p] < <(
    sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$f" | sort -n | awk -v sent="$pings" '
      { t[NR] = $1; sum += $1 }
      END { if (NR == 0) { print "fail fail 100"; exit }
            printf "%.0f %.0f %.1f\n", 1000 * sum / NR, 1000 * t[int((NR + 1) / 2)], 100 * (sent - NR) / sent }')
  printf '  %-28s %-32s %8s us avg, %s us p50, %s%% lost  (other processes: %s cores)\n' "${label[$p]}" "ping, $pings x 10 ms" "${rtt_avg[$p]}" "${rtt_p50[$p]}" "${rtt_loss[$p]}" "${others[$p,ping]}" >&2
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "# SharpTun VPN benchmark: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -r)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), sharptun $("$root/sharptun" --version 2>/dev/null), wireguard-go $(dpkg-query -W -f='${Version}' wireguard-go 2>/dev/null), $(openvpn --version | head -1 | cut -d' ' -f1-2), $(iperf3 --version | head -1 | cut -d' ' -f1-2)"
echo "# reproduce: sudo bash bench/net/vpn.sh $secs $pings"
echo "# client: ip netns exec CLIENT iperf3 -c TUNNEL_REMOTE -t $secs [-R] [-P 4] -J; ip netns exec CLIENT ping -c $pings -i 0.01 TUNNEL_REMOTE"
echo "# inner MTU $MTU everywhere; CPU = utime + stime of the tunnel processes on both ends per GB received;"
echo "# other processes = CPU used meanwhile by user processes outside the two namespaces (other work on the machine)"
echo "# load average at the start: $(load)"

for p in "${paths[@]}"; do
  echo "running: ${label[$p]}" >&2
  path_up "$p"
  measure_path "$p"
  path_down "$p"
done
echo "# load average at the end: $(load)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%+.0f", a - b; else printf "-" }'; }
has() { [ -n "${label[$1]:-}" ] && [[ " ${paths[*]} " == *" $1 "* ]]; }

echo
echo "| test | path | Gbps | x baseline | x wireguard-go | TCP retransmits | UDP rcvbuf drops | tunnel CPU s/GB | CPU/GB x wireguard-go | tunnel CPU (% of a core) | other processes (cores) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in "${tests[@]}"; do
  for p in "${paths[@]}"; do
    base="-"; wgg="-"; wgc="-"
    has baseline && base=$(ratio "${gbps[$p,$t]}" "${gbps[baseline,$t]}")
    has wireguard-go && wgg=$(ratio "${gbps[$p,$t]}" "${gbps[wireguard-go,$t]}") && wgc=$(ratio "${cpugb[$p,$t]:-}" "${cpugb[wireguard-go,$t]:-}")
    echo "| ${tname[$t]} | ${label[$p]} | ${gbps[$p,$t]} | $base | $wgg | ${retr[$p,$t]:--} | ${drops[$p,$t]:--} | ${cpugb[$p,$t]:--} | $wgc | ${cpupct[$p,$t]:--} | ${others[$p,$t]} |"
  done
done
echo
echo "| ping RTT ($pings x 10 ms) | avg us | p50 us | lost % | avg + over baseline | avg x wireguard-go | other processes (cores) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for p in "${paths[@]}"; do
  base="-"; wgg="-"
  has baseline && base=$(delta "${rtt_avg[$p]}" "${rtt_avg[baseline]}")
  has wireguard-go && wgg=$(ratio "${rtt_avg[$p]}" "${rtt_avg[wireguard-go]}")
  echo "| ${label[$p]} | ${rtt_avg[$p]} | ${rtt_p50[$p]} | ${rtt_loss[$p]} | $base | $wgg | ${others[$p,ping]} |"
done
exit 0
