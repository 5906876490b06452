#!/usr/bin/env bash
# The local base image of the tests: Debian bookworm (debootstrap minbase) with Debian's OpenJDK 17
# JRE, as a docker-archive tar (the layout Jib's tar:// base reads; an OCI archive will not do).
# No container registry is reachable where the tests run, so the production base (a digest-pinned
# Temurin JRE, services/server/pom.xml) cannot be pulled there.
#
#   debian-base.sh OUT.tar
#
# The tar is cached under $YUBIN_IMAGE_BASE_CACHE (default ~/.cache/yubin-image-base), keyed by the
# SHA-256 of this script and the mirror: a rerun copies it instead of bootstrapping again. The
# downloaded .deb files are kept there too, so a changed recipe downloads nothing it had.
# Needs root and debootstrap (.ci/install-packages).
set -euo pipefail

out=${1:?usage: debian-base.sh OUT.tar}
mirror=${YUBIN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
cache=${YUBIN_IMAGE_BASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yubin-image-base}
key=$( (cat "$0"; echo "$mirror") | sha256sum | cut -c1-16)
cached="$cache/base-$key.tar"

mkdir -p "$cache" "$(dirname "$out")"
exec 9>"$cache/lock"
flock 9

if [ ! -s "$cached" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null; then
        echo "debian-base.sh: building the test base image needs root and debootstrap (.ci/install-packages);" \
             "skip the image with -P'!image'" >&2
        exit 1
    fi
    started=$SECONDS
    # The rootfs in memory where there is room: dpkg syncs every file it unpacks, which a tmpfs makes free.
    scratch=$cache
    [ -w /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt 1048576 ] && scratch=/dev/shm
    work=$(mktemp -d "$scratch/yubin-image-base.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    root="$work/rootfs"
    mkdir -p "$cache/debs"
    # Depends only (debootstrap never installs Recommends): no X11, no fonts, no sound.
    debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates \
        --cache-dir="$cache/debs" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
    # What a server in a container never reads: package lists and caches, documentation, locales.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
        "$root"/var/log/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/usr/share/lintian "$root"/usr/share/common-licenses \
        "$root"/debootstrap "$root"/dev/* "$root"/proc/* "$root"/sys/* "$root"/run/* "$root"/tmp/*
    java_home=$(dirname "$(dirname "$(readlink -f "$root/usr/bin/java" | sed "s|^$root||")")")
    [ -x "$root$java_home/bin/java" ] || { echo "debian-base.sh: no java in the rootfs" >&2; exit 1; }

    # One layer, gzip-compressed (Jib takes a compressed base layer as it is); its diff id is the
    # SHA-256 of the uncompressed tar.
    mkdir -p "$work/image/layer"
    tar -C "$root" --numeric-owner --sort=name --xattrs --xattrs-include='security.capability' -cf - . \
        | tee >(sha256sum | cut -d' ' -f1 >"$work/diffid") \
        | gzip -1 >"$work/image/layer/layer.tar"
    wait
    diffid=$(cat "$work/diffid")
    cat >"$work/image/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=$java_home","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diffid"]},
 "history":[{"created_by":"debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates $suite (services/server/src/image/debian-base.sh)"}]}
JSON
    cat >"$work/image/manifest.json" <<JSON
[{"Config":"config.json","RepoTags":["localhost/yubin-test-base:$suite-$key"],"Layers":["layer/layer.tar"]}]
JSON
    tar -C "$work/image" -cf "$work/base.tar" manifest.json config.json layer
    mv "$work/base.tar" "$cached"
    echo "debian-base.sh: built $cached ($(du -h "$cached" | cut -f1)) in $((SECONDS - started)) s"
fi
ln -f "$cached" "$out" 2>/dev/null || cp "$cached" "$out"
