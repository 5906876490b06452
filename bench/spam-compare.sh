#!/usr/bin/env bash
# The corpus figures of docs/filtering.md for Yubin, SpamAssassin and rspamd from one run (issue 18):
# each learns the development set of the SpamAssassin public corpus and classifies the independent
# set through the same harness (`yubin spam eval`), one after the other on this machine; then a
# Markdown table of the three.
#   yubin   the server's classifier and junk threshold (the default of `--threshold`)
#   rspamd  and spamd as started by bench/spam-engines.sh (empty Bayes, network tests off)
#
# Usage: bench/spam-compare.sh [CORPUS_DIR] [ENGINES_DIR] [THREADS]
#        (defaults /tmp/spam-corpus, /tmp/spam-engines, 2; the corpus is fetched when missing)
# Needs: ./yubin built (./mvnw -B -q -DskipTests package), Debian's spamd, spamassassin, rspamd and
# redis-server (.ci/install-packages installs them). Takes about 12 minutes on 2 cores, most of it
# spamd's.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-/tmp/spam-corpus}
engines=${2:-/tmp/spam-engines}
threads=${3:-2}
out=$(mktemp -d)

[[ -d $corpus/holdout/spam-2 ]] || "$here/bench/spam-corpus.sh" "$corpus" >/dev/null
sets=(--train-ham "$corpus/dev/easy-ham-1" "$corpus/dev/hard-ham-1-first125" --train-spam "$corpus/dev/spam-1"
      --test-ham "$corpus/holdout/easy-ham-2" "$corpus/holdout/hard-ham-1-rest" --test-spam "$corpus/holdout/spam-2")

trap '"$here/bench/spam-engines.sh" stop "$engines"' EXIT

run() {
  local name=$1
  shift
  echo "== $name" >&2
  "$here/yubin" spam eval --threads "$threads" "$@" "${sets[@]}" | tee "$out/$name" >&2
}

run yubin
"$here/bench/spam-engines.sh" start "$engines" >&2
run rspamd --engine rspamd --rspamd-normal http://127.0.0.1:11333 --rspamd-controller http://127.0.0.1:11334
run spamd --engine spamd --spamd 127.0.0.1:10783

echo
echo "| engine | decision | precision | recall | ham false positives | messages/s |"
echo "|---|---|---|---|---|---|"
for name in yubin rspamd spamd; do
  f=$out/$name
  decision=$(sed -n 's/^spam when //p' "$f")
  read -r precision recall <<<"$(sed -n 's/^precision \([0-9.]*\)  recall \([0-9.]*\).*/\1 \2/p' "$f")"
  fp=$(sed -n 's/.*ham false positives \(.*\)$/\1/p' "$f")
  rate=$(sed -n 's/^classification \([0-9]*\) messages\/s.*/\1/p' "$f")
  echo "| $name | $decision | $precision | $recall | $fp | $rate |"
done
rm -rf "$out"
