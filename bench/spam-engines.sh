#!/usr/bin/env bash
# SpamAssassin's spamd and rspamd (Debian 12 packages: spamd, spamassassin, rspamd, redis-server)
# for `yubin spam eval --engine spamd|rspamd` (issue 18), each with a configuration of its own
# under DIR and an empty Bayes database, network tests off:
#   spamd   127.0.0.1:10783, -L (local tests only), --allow-tell; Debian's rules and .pre files
#           (copied), its defaults (required_score 5.0, Bayes on) except bayes_auto_learn 0, so
#           that the test set teaches it nothing; Bayes database in DIR/spamd/bayes
#   rspamd  normal worker http://127.0.0.1:11333, controller http://127.0.0.1:11334 (trusts
#           127.0.0.1: no password), proxy 127.0.0.1:11332; Debian's configuration (default
#           actions: reject 15, add header 6, greylist 4; Bayes autolearn off) with Bayes in a redis
#           of its own (127.0.0.1:16379, nothing saved to disk), and the modules that query the
#           network off: rbl (and SURBL, emails), spf, dkim, dmarc, arc, asn, fuzzy_check, phishing,
#           once_received (reverse DNS of the sending host: each lookup timed out, 8 s per message);
#           DNS goes to 127.0.0.1:1 (nothing answers), timeout 0.1 s, 1 retransmit
#
# Usage: bench/spam-engines.sh start|stop [DIR]   (default /tmp/spam-engines; start wipes DIR)
set -euo pipefail

cmd=${1:?start or stop}
dir=${2:-/tmp/spam-engines}

stop() {
  for pid in "$dir"/spamd/spamd.pid "$dir"/rspamd/run/rspamd.pid "$dir"/redis/redis.pid; do
    [[ -f $pid ]] && kill "$(cat "$pid")" 2>/dev/null || true
  done
}

if [[ $cmd == stop ]]; then
  stop
  exit 0
fi

stop
rm -rf "$dir"
mkdir -p "$dir"/spamd/site "$dir"/spamd/bayes "$dir"/redis "$dir"/rspamd/local.d "$dir"/rspamd/db "$dir"/rspamd/run "$dir"/rspamd/log
dir=$(cd "$dir" && pwd)
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  # spamd and rspamd refuse to run as root; spamd's user must write the Bayes database.
  chmod 777 "$dir"/spamd/bayes
  run_as=(-u debian-spamd)
fi

cp /etc/spamassassin/*.pre "$dir"/spamd/site/
cat > "$dir"/spamd/site/local.cf <<CF
bayes_path $dir/spamd/bayes/bayes
bayes_auto_learn 0
CF
/usr/sbin/spamd -d -L --allow-tell -x "${run_as[@]}" -i 127.0.0.1 -p 10783 -A 127.0.0.1 \
    --siteconfigpath="$dir"/spamd/site -s "$dir"/spamd/spamd.log -r "$dir"/spamd/spamd.pid

redis-server --port 16379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir"/redis/redis.pid --logfile "$dir"/redis/redis.log --dir "$dir"/redis

l=$dir/rspamd/local.d
echo 'bind_socket = "127.0.0.1:11333";' > "$l"/worker-normal.inc
echo 'bind_socket = "127.0.0.1:11334";' > "$l"/worker-controller.inc
echo 'bind_socket = "127.0.0.1:11332";' > "$l"/worker-proxy.inc
printf 'backend = "redis";\nservers = "127.0.0.1:16379";\n' > "$l"/classifier-bayes.conf
echo 'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 1; }' > "$l"/options.inc
for module in rbl spf dkim dmarc arc asn fuzzy_check phishing once_received; do
  echo 'enabled = false;' > "$l/$module.conf"
done
rspamd_as=()
[[ $(id -u) -eq 0 ]] && rspamd_as=(-i -u _rspamd -g _rspamd) && chown -R _rspamd "$dir"/rspamd
rspamd "${rspamd_as[@]}" -c /etc/rspamd/rspamd.conf --var=LOCAL_CONFDIR="$dir"/rspamd --var=DBDIR="$dir"/rspamd/db \
    --var=RUNDIR="$dir"/rspamd/run --var=LOGDIR="$dir"/rspamd/log

for i in $(seq 120); do
  if curl -sf http://127.0.0.1:11334/stat >/dev/null && curl -sf http://127.0.0.1:11333/ping >/dev/null \
      && grep -q 'server started' "$dir"/spamd/spamd.log 2>/dev/null; then
    cat <<USAGE
spamd, rspamd and redis are running under $dir (bench/spam-engines.sh stop $dir stops them).
  ./yubin spam eval --engine spamd --spamd 127.0.0.1:10783 --train-ham ... --train-spam ... --test-ham ... --test-spam ...
  ./yubin spam eval --engine rspamd --rspamd-normal http://127.0.0.1:11333 --rspamd-controller http://127.0.0.1:11334 ...
USAGE
    exit 0
  fi
  sleep 1
done
echo "spamd or rspamd did not start within 120 s; see $dir/spamd/spamd.log and $dir/rspamd/log/rspamd.log" >&2
exit 1
