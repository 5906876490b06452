#!/usr/bin/env bash
# Yubin on Cassandra + S3 next to its embedded default, same harness, loopback only (issue #7). For
# each backend, one after the other, in a fresh directory under /tmp:
#   cluster    Cassandra (testing/cassandra) and S3Proxy (testing/s3proxy) started as processes on
#              free 127.0.0.1 ports, then ./yubin serve with storage.backend=cassandra and
#              storage.blobs=s3 (keyspace and bucket created on start)
#   embedded   ./yubin serve with the defaults (SQLite; bodies in the database or as files)
# then bench.test, user1..user20@bench.test and imap@bench.test created with the CLI, and:
#   1. SmtpLoad N messages of S KiB over C connections to 127.0.0.1:2525 (after W warm-up ones);
#      delivered = yubin_delivery_recipients_total{status="delivered"} from /metrics (one recipient
#      a message), polled once a second
#   2. ImapLoad populate: APPEND M messages (~0.9 KiB) into imap@bench.test's INBOX, A connections
#   3. ImapLoad fetch: UID FETCH u (FLAGS BODY.PEEK[]) for a random u in 1..M, one at a time on each of
#      F connections for T seconds: fetches/s and the latency percentiles
#   4. with --idle I: ImapLoad idle holds I connections in IDLE on that INBOX (LOGIN, SELECT, IDLE);
#      each server's heap after a full GC (jcmd) before and while they are held, the connections
#      each member holds, and the heap per IDLE connection
#
# Options: -n MESSAGES (10000)  -s SIZE_KIB (4)  -c CONNECTIONS (20)  -w WARMUP (0)
#          -m IMAP_MESSAGES (10000)  --append-connections A (16)
#          --fetch-connections F (4)  --fetch-seconds T (30)  --idle I (0: no IDLE step)
#          --only cluster|embedded   (default: both, cluster first)
#          --members N               (1..3) the cluster backend only, as N `yubin serve` processes in one
#                                    Hazelcast cluster on 127.0.0.1, .11 and .12 behind HAProxy with
#                                    k8s/haproxy/haproxy.cfg (PROXY v2 on; the load goes to HAProxy's
#                                    127.0.0.1:3525 and :3143); delivered and CPU summed over the members
#          --out DIR                 (default bench/target/cluster-<time>)
#
# Needs a JDK 17 and a build of this checkout (./mvnw -B -q install -DskipTests). It refuses to start
# when one of Yubin's ports is taken, bounds every step in time, and stops exactly what it started,
# by pid, on any exit. Run it under flock /tmp/yubin-bench.lock on a shared machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
jar=$repo/bench/target/yubin-bench.jar
cassandra_jar=$repo/testing/cassandra/target/yubin-testing-cassandra-0.1.0-SNAPSHOT.jar
s3proxy_jar=$repo/testing/s3proxy/target/yubin-testing-s3proxy-0.1.0-SNAPSHOT.jar
messages=10000 size_kib=4 connections=20 warmup=0
imap_messages=10000 append_connections=16 fetch_connections=4 fetch_seconds=30 idle=0
backends="cluster embedded" out="" members=0

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) messages=$2; shift ;;
    -s) size_kib=$2; shift ;;
    -c) connections=$2; shift ;;
    -w) warmup=$2; shift ;;
    -m) imap_messages=$2; shift ;;
    --append-connections) append_connections=$2; shift ;;
    --fetch-connections) fetch_connections=$2; shift ;;
    --fetch-seconds) fetch_seconds=$2; shift ;;
    --idle) idle=$2; shift ;;
    --only) case $2 in cluster|embedded) backends=$2 ;; *) usage ;; esac; shift ;;
    --members) case $2 in 1|2|3) members=$2; backends=cluster ;; *) usage ;; esac; shift ;;
    --out) out=$2; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
out=${out:-$repo/bench/target/cluster-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
for f in "$jar" "$repo/services/server/target/yubin.jar" "$cassandra_jar" "$s3proxy_jar"; do
  [ -f "$f" ] || { echo "$f is missing: build first with ./mvnw -B -q install -DskipTests" >&2; exit 1; }
done

# What this script started (launcher pids, the server's pid, the nodes' own JVMs), stopped on exit.
run_dir="" yubin_pid="" s3_pid="" cassandra_pid="" node_pids=() servers=() server_names=()
member_pids=() haproxy_pid=""
member_ips=(127.0.0.1 127.0.0.11 127.0.0.12)
stop_pid() {  # pid seconds: SIGTERM, then SIGKILL when it is still there after that many seconds
  kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
  local pid
  [ -n "$haproxy_pid" ] && stop_pid "$haproxy_pid" 10
  [ -n "$yubin_pid" ] && stop_pid "$yubin_pid" 30
  for pid in "${member_pids[@]}"; do stop_pid "$pid" 30; done
  # the launchers stop their node on SIGTERM (Cassandra gets up to 20 s for it)
  [ -n "$s3_pid" ] && stop_pid "$s3_pid" 20
  [ -n "$cassandra_pid" ] && stop_pid "$cassandra_pid" 40
  for pid in "${node_pids[@]}"; do stop_pid "$pid" 10; done
  yubin_pid="" s3_pid="" cassandra_pid="" node_pids=() member_pids=() haproxy_pid=""
  if [ -n "$run_dir" ]; then rm -rf -- "$run_dir"; run_dir=""; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_taken() { ss -ltnH "sport = :$1" | grep -q .; }
cpu_snapshot() {  # utime + stime of each server process, in clock ticks (proc(5): fields 14 and 15)
  local pid ticks=()
  for pid in "${servers[@]}"; do ticks+=($(awk '{ print $14 + $15 }' "/proc/$pid/stat")); done
  echo "${ticks[*]}"
}
cpu_report() {  # label items snapshot-before: the CPU each server process spent since, in all and per item
  awk -v l="$1" -v n="$2" -v b="$3" -v a="$(cpu_snapshot)" -v names="${server_names[*]}" -v hz="$(getconf CLK_TCK)" '
    BEGIN { split(b, before, " "); split(a, after, " "); k = split(names, name, " "); all = 0; each = ""
            for (i = 1; i <= k; i++) { t = (after[i] - before[i]) / hz; all += t; each = each sprintf(", %s %.2f s", name[i], t) }
            printf "%s: server cpu %.2f s = %.3f ms per item (%d)%s\n", l, all, 1000 * all / n, n, each }'
}

launch() {  # name jar class home: starts a launcher, waits for its one line; sets launched_pid, launched_line
  local name=$1 jar=$2 class=$3 home=$4
  java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$jar" "$class" "$home" \
    > "$run_dir/$name.out" 2> "$out/$name-launcher.log" &
  launched_pid=$!
  for _ in $(seq 1800); do  # 180 s; CassandraProcess itself gives up after 120 s
    [ -s "$run_dir/$name.out" ] && break
    kill -0 "$launched_pid" 2>/dev/null || break
    sleep 0.1
  done
  launched_line=$(head -1 "$run_dir/$name.out")
  if [ -z "$launched_line" ]; then
    stop_pid "$launched_pid" 40  # still starting after 180 s: stop it before giving up
    echo "$name did not start; see $out/$name-launcher.log" >&2
    return 1
  fi
}

await_ready() {  # ip pid log: /health/ready answers 200 within 180 s
  local i
  for i in $(seq 900); do
    curl -fsS -m 2 -o /dev/null "http://$1:8080/health/ready" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "yubin serve on $1 exited; see $3" >&2; exit 1; }
    sleep 0.2
  done
  echo "yubin serve on $1 not ready after 180 s; see $3" >&2
  exit 1
}

run_backend() {  # cluster | embedded
  local backend=$1 env=() i
  for i in 2525 2587 2465 1143 1993 1110 1995 8080 3525 3143 5701; do
    port_taken "$i" && { echo "port $i is taken:" >&2; ss -ltnp "sport = :$i" >&2; exit 1; }
  done
  run_dir=$(mktemp -d "/tmp/benchcluster-$backend.XXXXXX")
  mkdir "$run_dir/yubin"
  # plaintext LOGIN for ImapLoad (a benchmark setting); a Hazelcast cluster name of our own
  env=(YUBIN_IMAP_ALLOW_PLAINTEXT_AUTH=true "YUBIN_CLUSTER_NAME=bench-$backend-$$"
    "YUBIN_IMAP_MAX_CONNECTIONS_PER_IP=$((idle + 100))")
  if [ "$backend" = cluster ]; then
    launch cassandra "$cassandra_jar" io.yubin.testing.cassandra.CassandraProcess "$run_dir/cassandra"
    cassandra_pid=$launched_pid
    node_pids+=($(pgrep -P "$cassandra_pid"))
    local contact_point=$launched_line
    launch s3proxy "$s3proxy_jar" io.yubin.testing.s3proxy.S3ProxyProcess "$run_dir/s3proxy"
    s3_pid=$launched_pid
    node_pids+=($(pgrep -P "$s3_pid"))
    echo "cassandra $contact_point (pid ${node_pids[0]}), s3proxy $launched_line (pid ${node_pids[1]})"
    # the credentials are S3ProxyProcess.ACCESS_KEY and SECRET_KEY
    env+=(YUBIN_STORAGE_BACKEND=cassandra "YUBIN_STORAGE_CASSANDRA_CONTACT_POINTS=$contact_point"
      YUBIN_STORAGE_BLOBS=s3 "YUBIN_STORAGE_S3_ENDPOINT=$launched_line" YUBIN_STORAGE_S3_BUCKET=yubin-bench
      YUBIN_STORAGE_S3_ACCESS_KEY=yubin-access YUBIN_STORAGE_S3_SECRET_KEY=yubin-secret-key)
  fi
  local smtp_port=2525 imap_port=1143 k ip label=$backend yubin_count=1
  [ "$members" -gt 0 ] && label="$backend-$members-member"
  if [ "$members" -gt 0 ]; then
    # N members on their own loopback addresses, the same ports; one Hazelcast cluster by member list
    local list=""
    for k in $(seq "$members"); do list="$list${list:+,}${member_ips[$((k - 1))]}:5701"; done
    for k in $(seq "$members"); do
      ip=${member_ips[$((k - 1))]}
      mkdir -p "$run_dir/yubin$k"
      (cd "$run_dir/yubin$k" && exec env "${env[@]}" YUBIN_ADMIN_HOST=$ip YUBIN_SMTP_HOST=$ip YUBIN_IMAP_HOST=$ip \
        YUBIN_POP3_HOST=$ip YUBIN_SMTP_HOSTNAME=$ip YUBIN_CLUSTER_ENABLED=true YUBIN_CLUSTER_BIND_ADDRESS=$ip \
        YUBIN_CLUSTER_PORT=5701 "YUBIN_CLUSTER_MEMBERS=$list" YUBIN_SMTP_PROXY_PROTOCOL=true \
        YUBIN_IMAP_PROXY_PROTOCOL=true YUBIN_POP3_PROXY_PROTOCOL=true YUBIN_SMTP_MAX_CONNECTIONS_PER_IP=1000 \
        "$repo/yubin" serve) > "$out/yubin-$backend-$k.log" 2>&1 &
      member_pids+=($!)
    done
    for k in $(seq "$members"); do await_ready "${member_ips[$((k - 1))]}" "${member_pids[$((k - 1))]}" "$out/yubin-$backend-$k.log"; done
    # the reference configuration with one server line per member
    if [ "$members" -lt 3 ]; then
      sed -E "/server yubin[$((members + 1))-3] /d" "$repo/k8s/haproxy/haproxy.cfg" > "$run_dir/haproxy.cfg"
    else
      cp "$repo/k8s/haproxy/haproxy.cfg" "$run_dir/haproxy.cfg"
    fi
    env LB_ADDR=127.0.0.1 LB_SMTP_PORT=3525 LB_SUBMISSION_PORT=3587 LB_SUBMISSIONS_PORT=3465 LB_IMAP_PORT=3143 \
      LB_IMAPS_PORT=3993 LB_POP3_PORT=3110 LB_POP3S_PORT=3995 YUBIN_1=127.0.0.1 YUBIN_2=127.0.0.11 YUBIN_3=127.0.0.12 \
      /usr/sbin/haproxy -db -f "$run_dir/haproxy.cfg" > "$out/haproxy.log" 2>&1 &
    haproxy_pid=$!
    for _ in $(seq 100); do port_taken 3525 && port_taken 3143 && break; sleep 0.1; done
    smtp_port=3525 imap_port=3143 yubin_dir=$run_dir/yubin1
    servers=("${member_pids[@]}" "${node_pids[@]}") server_names=() yubin_count=$members
    for k in $(seq "$members"); do server_names+=(yubin$k); done
    server_names+=(cassandra s3proxy)
  else
    (cd "$run_dir/yubin" && exec env "${env[@]}" "$repo/yubin" serve) > "$out/yubin-$backend.log" 2>&1 &
    yubin_pid=$!
    await_ready 127.0.0.1 "$yubin_pid" "$out/yubin-$backend.log"
    yubin_dir=$run_dir/yubin
    servers=("$yubin_pid" "${node_pids[@]}") server_names=(yubin) yubin_count=1
    [ "$backend" = cluster ] && server_names+=(cassandra s3proxy)
  fi
  (cd "$yubin_dir" && timeout 60 "$repo/yubin" domain add bench.test) > /dev/null
  for i in $(seq 20) imap; do
    [ "$i" = imap ] && u=imap@bench.test || u=user$i@bench.test
    (cd "$yubin_dir" && echo 'bench password 1' | timeout 60 "$repo/yubin" user add "$u") > /dev/null
  done
  local before rc=0 urls="http://127.0.0.1:8080/metrics"
  if [ "$members" -gt 0 ]; then
    urls=""
    for k in $(seq "$members"); do urls="$urls http://${member_ips[$((k - 1))]}:8080/metrics"; done
  fi
  # delivered by the whole cluster: the members' counters summed
  local delivered="for u in $urls; do curl -fsS -m 5 \$u; done | awk '/^yubin_delivery_recipients_total[{].*status=\"delivered\"/ { s += \$NF } END { printf \"%d\\n\", s }'"
  smtp() {  # label count
    echo "== $label $1: SmtpLoad $2 x $size_kib KiB over $connections connections, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    before=$(cpu_snapshot)
    # 300 s for sending (more for large runs: the cluster backend accepted ~25/s cold), 600 s for delivery
    local send_timeout=$((300 + $2 / 10))
    timeout $((send_timeout + 700)) java -jar "$jar" --host 127.0.0.1 --port "$smtp_port" -n "$2" -s "$size_kib" \
      -c "$connections" --label "$label-$1" --timeout "$send_timeout" --delivered-timeout 600 \
      --delivered-interval-ms 1000 --delivered-cmd "$delivered" || rc=$?
    cpu_report "$label $1, sending to last delivery" "$2" "$before"
  }
  heaps() {  # each Yubin server's used heap in MiB after a full GC, space-separated
    local pid out=()
    for pid in "${servers[@]:0:${yubin_count}}"; do
      jcmd "$pid" GC.run > /dev/null
      out+=($(jcmd "$pid" GC.heap_info | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); printf "%.1f", v / 1024 } }'))
    done
    echo "${out[*]}"
  }
  idle_step() {
    echo "== $label idle: ImapLoad idle -c $idle, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    local before during ready=$run_dir/idle-ready k n ip held=()
    before=$(heaps)
    timeout $((idle / 5 + 900)) java -cp "$jar" io.yubin.bench.ImapLoad idle -c "$idle" --hold-seconds 60 \
      --ready-file "$ready" "${imap[@]}" &
    local idle_pid=$!
    while [ ! -s "$ready" ] && kill -0 "$idle_pid" 2>/dev/null; do sleep 1; done
    if [ -s "$ready" ]; then
      during=$(heaps)
      for k in $(seq "$yubin_count"); do
        ip=${member_ips[$((k - 1))]}
        held+=($(ss -tnH state established "( sport = :1143 )" | awk -v ip="$ip" '$3 == ip ":1143" || $3 == "[::ffff:" ip "]:1143" { n++ } END { print n + 0 }'))
      done
      awk -v b="$before" -v d="$during" -v h="${held[*]}" -v names="${server_names[*]}" -v total="$idle" '
        BEGIN { k = split(b, bb, " "); split(d, dd, " "); split(h, hh, " "); split(names, nn, " "); sb = 0; sd = 0
                for (i = 1; i <= k; i++) { sb += bb[i]; sd += dd[i]
                  printf "idle: %s holds %d IDLE connections; heap after GC %.1f -> %.1f MiB (%.1f KiB per connection)\n", nn[i], hh[i], bb[i], dd[i], hh[i] ? (dd[i] - bb[i]) * 1024 / hh[i] : 0 }
                printf "idle: all members: %d IDLE connections, heap %.1f -> %.1f MiB, %.1f KiB per connection\n", total, sb, sd, (sd - sb) * 1024 / total }'
    fi
    wait "$idle_pid" || rc=$?
  }
  [ "$warmup" -gt 0 ] && smtp smtp-warmup "$warmup"
  smtp smtp "$messages"
  local imap=(--host 127.0.0.1 --port "$imap_port" --user imap@bench.test --password 'bench password 1')
  echo "== $label append: ImapLoad populate -n $imap_messages -c $append_connections, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  before=$(cpu_snapshot)
  timeout 1800 java -cp "$jar" io.yubin.bench.ImapLoad populate -n "$imap_messages" -c "$append_connections" "${imap[@]}" || rc=$?
  cpu_report "$label append" "$imap_messages" "$before"
  echo "== $label fetch: ImapLoad fetch -n $imap_messages -c $fetch_connections --seconds $fetch_seconds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  timeout $((fetch_seconds + 300)) java -cp "$jar" io.yubin.bench.ImapLoad fetch -n "$imap_messages" \
    -c "$fetch_connections" --seconds "$fetch_seconds" "${imap[@]}" || rc=$?
  [ "$idle" -gt 0 ] && idle_step
  [ "$rc" -eq 0 ] || echo "$backend: a load step exited $rc (see above)" >&2
  cleanup
}

exec > >(tee "$out/run.txt") 2>&1
echo "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(uname -sr); $(java -version 2>&1 | head -1)"
echo "uptime: $(uptime)"
echo "smtp: $messages x $size_kib KiB over $connections connections, warm-up $warmup; imap: $imap_messages appends over $append_connections connections, fetch on $fetch_connections connections for $fetch_seconds s"
for b in $backends; do run_backend "$b"; done
# the report's JSON lines, one file for tools (not through tee: the lines would go back into run.txt)
grep '^{' "$out/run.txt" > "$out/json.txt" || true
echo "== done: $out/run.txt, JSON lines in $out/json.txt"
