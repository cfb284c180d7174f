# The two-namespace testbed the network benchmarks share; sourced by proxy.sh and flows.sh.
#
#   testbed_init NAME SUBNET       e.g. testbed_init proxy 10.202.0   (sets C, R, VC, VR, CA, RA, tmp)
#   testbed_up                     creates the "client" and "remote" namespaces and their veth pair
#   daemon NAME COMMAND...         starts COMMAND in its own process group, log in $tmp/NAME.log
#   stop_daemon NAME               stops NAME's process group (TERM, KILL after 5 s) before the exit
#   wait_log NAME PATTERN [SECS]   waits until NAME's log matches the extended regex PATTERN
#   daemon_ticks NAME...           CPU time (utime + stime, clock ticks) of the named daemons' processes
#   foreign_snapshot FILE          CPU time of each user process outside the two namespaces (other
#                                  work on the machine, which skews a measurement on few cores)
#   foreign_ticks BEFORE AFTER     CPU ticks they used between two snapshots (those that exited in
#                                  between are missed)
#   wait_listen NS PORT NAME       waits until NAME listens on TCP PORT in namespace NS
#   start_dante_and_redsocks       dante (as nobody) on 127.0.0.1:$SOCKS_PORT and redsocks on
#                                  127.0.0.1:$REDSOCKS_PORT in the client namespace, and
#                                  $tmp/proxychains.conf, proxychains4's config for that dante
#
# The caller sets SOCKS_PORT and REDSOCKS_PORT before start_dante_and_redsocks and `rule` (the
# iptables REDIRECT rule of its redsocks phase) before anything can fail. Everything is removed on
# exit, also on failure or Ctrl-C: the daemons' process groups, the rule, the namespaces (which take
# the veth pair with them) and $tmp.

testbed_init() { # name subnet
  bench_name="$1"
  C="st$1-c-$$"; R="st$1-r-$$"               # client and remote namespaces
  VC="st${1:0:2}c$$"; VR="st${1:0:2}r$$"     # veth ends (client, remote)
  CA="$2.1"; RA="$2.2"                       # their addresses
  NOBODY_UID=$(id -u nobody); NOBODY_GID=$(id -g nobody)
  tmp="$(mktemp -d "/tmp/stbench-$1.XXXXXX")"
  chmod 755 "$tmp"
  pgids=()                                   # process groups of the daemons we started
  declare -gA daemon_pgid=()                 # daemon name -> its process group
  rule=()
  trap testbed_cleanup EXIT
  trap 'exit 130' INT TERM
}

testbed_cleanup() {
  set +e
  local pg
  [ "${#rule[@]}" -gt 0 ] && ip netns exec "$C" iptables -t nat -D "${rule[@]}" 2>/dev/null
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

daemon() { # name command...
  local name="$1"; shift
  setsid "$@" >"$tmp/$name.log" 2>&1 </dev/null &
  pgids+=("$!")
  daemon_pgid[$name]=$!
}

stop_daemon() { # name
  local pg="${daemon_pgid[$1]}" kept=() p
  kill -TERM -- "-$pg" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pg" 2>/dev/null || true
  wait "$pg" 2>/dev/null || true
  for p in "${pgids[@]}"; do [ "$p" = "$pg" ] || kept+=("$p"); done
  pgids=("${kept[@]}")
  unset "daemon_pgid[$1]"
}

wait_log() { # name pattern [seconds]
  local i
  for i in $(seq $(( ${3:-10} * 10 ))); do
    grep -Eq "$2" "$tmp/$1.log" 2>/dev/null && return 0
    kill -0 -- "-${daemon_pgid[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$bench_name.sh: $1 did not log /$2/; its log:" >&2; cat "$tmp/$1.log" >&2; exit 1
}

# The processes of a group are found by the pgrp field of /proc/PID/stat; a process's utime and
# stime include all its threads, also those that have exited (proc(5)).
daemon_ticks() { # name...
  local groups="" n
  for n in "$@"; do groups+=" ${daemon_pgid[$n]}"; done
  # cat, not awk, opens the files: a process may exit between the glob and the read.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v groups="$groups" '
    BEGIN { n = split(groups, g, " "); for (i = 1; i <= n; i++) want[g[i]] = 1 }
    { sub(/^.*\) /, ""); if ($3 in want) sum += $12 + $13 }   # the fields after "pid (comm) "
    END { print sum + 0 }'
}

foreign_snapshot() { # file
  local ours
  ours="$(stat -Lc %i "/run/netns/$C") $(stat -Lc %i "/run/netns/$R")"
  # Lines "/proc/PID/ns net:[INODE]" from find, then the stat lines; kernel threads (PF_KTHREAD,
  # 0x200000 in the flags field) are left out: they run for everyone, ours included.
  { find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%h %l\n' 2>/dev/null || true
    cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v ours="$ours" '
    BEGIN { n = split(ours, o, " "); for (i = 1; i <= n; i++) mine["net:[" o[i] "]"] = 1 }
    $1 ~ /^\/proc\// { split($1, f, "/"); if ($2 in mine) skip[f[3]] = 1; next }
    { pid = $1; sub(/^.*\) /, ""); if (!(pid in skip) && int($7 / 2097152) % 2 == 0) print pid, $12 + $13 }' >"$1"
}

foreign_ticks() { # before after
  awk 'NR == FNR { before[$1] = $2; next } { d = $2 - before[$1]; if (d > 0) sum += d } END { print sum + 0 }' "$1" "$2"
}

wait_listen() { # namespace port name
  for _ in $(seq 100); do
    ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
    sleep 0.1
  done
  echo "$bench_name.sh: $3 is not listening on port $2; its log:" >&2; cat "$tmp/$3.log" >&2; exit 1
}

testbed_up() {
  ip netns add "$C"
  ip netns add "$R"
  ip link add "$VC" netns "$C" type veth peer name "$VR" netns "$R"
  ip -n "$C" addr add "$CA/24" dev "$VC"
  ip -n "$R" addr add "$RA/24" dev "$VR"
  local ns
  for ns in "$C" "$R"; do ip -n "$ns" link set lo up; done
  ip -n "$C" link set "$VC" up
  ip -n "$R" link set "$VR" up
  ip netns exec "$C" ping -c 1 -W 2 "$RA" >/dev/null
}

start_dante_and_redsocks() {
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
  cat >"$tmp/redsocks.conf" <<EOF
base { log_debug = off; log_info = off; log = stderr; daemon = off; redirector = iptables; }
redsocks { local_ip = 127.0.0.1; local_port = $REDSOCKS_PORT; ip = 127.0.0.1; port = $SOCKS_PORT; type = socks5; }
EOF
  cat >"$tmp/proxychains.conf" <<EOF
strict_chain
quiet_mode
tcp_read_time_out 15000
tcp_connect_time_out 8000
[ProxyList]
socks5 127.0.0.1 $SOCKS_PORT
EOF
  chmod 644 "$tmp/danted.conf" "$tmp/redsocks.conf" "$tmp/proxychains.conf"
  # dante runs entirely as nobody so that the iptables rule for redsocks can leave its own outbound
  # connections alone (-m owner ! --uid-owner nobody); root-owned sockets (the benchmark clients)
  # to the remote are redirected while the redsocks phase runs. Its descriptor limit is raised for
  # the many-connection runs.
  daemon danted ip netns exec "$C" setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
    sh -c "ulimit -n \$(ulimit -Hn); exec danted -f $tmp/danted.conf -p $tmp/run/danted.pid"
  daemon redsocks ip netns exec "$C" redsocks -c "$tmp/redsocks.conf"
  wait_listen "$C" "$SOCKS_PORT" danted
  wait_listen "$C" "$REDSOCKS_PORT" redsocks
}
