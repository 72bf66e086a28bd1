#!/usr/bin/env bash
# Builds the base image of Digit Lab's container image, as a `docker save`-format tarball that
# Jib reads with `tar://` (no Docker daemon and no container registry needed):
#
#   Debian 12 (debootstrap --variant=minbase, from Debian's own mirror)
#   + a Java runtime made by jlink from the build's JDK (21+), in /opt/java
#   + curl (for health checks), ca-certificates, a `digitlab` user (uid/gid 1000), /data
#
# Why not `FROM eclipse-temurin`: these machines reach Maven Central and Debian's mirror only, so
# the base image is made from what they reach. Output: target/image/base-image.tar (≈ 130 MB).
# Re-runs are skipped while the tarball is newer than this script and the JDK is the same.
#
#   sudo deploy/image/build-base-image.sh            # needs root (debootstrap, chown)
#   ./mvnw -B package                                # then builds target/jib-image.tar (OCI)
#
# Environment: JAVA_HOME (default: the JDK the ./digitlab launcher picks), DEBIAN_MIRROR
# (default: the first deb.debian.org-style URI in /etc/apt/sources.list.d, else deb.debian.org).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out_dir="$root/target/image"
out="$out_dir/base-image.tar"
say() { echo "build-base-image: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  say "needs root (debootstrap): run it with sudo"
  exit 1
fi
command -v debootstrap >/dev/null || { say "debootstrap missing: apt-get install debootstrap"; exit 1; }
java_home=${JAVA_HOME:-$("$root/digitlab" --print-java-home)}
[ -x "$java_home/bin/jlink" ] || { say "no jlink in $java_home: set JAVA_HOME to a JDK 21+"; exit 1; }
java_version=$("$java_home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.runtime.version = //p')

stamp="$out_dir/base-image.stamp"
want_stamp="jdk=$java_version script=$(sha256sum "$0" | cut -c1-16)"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  say "up to date: $out ($want_stamp)"
  exit 0
fi

mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

say "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates,curl bookworm "$rootfs" "$mirror" \
  > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# What an image does not need: package caches, docs, man pages, locales but C.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*

say "jlink a Java $java_version runtime"
# java.se covers Spring Boot, JDBC and ImageIO; jdk.* add what the server uses at run time:
# Unsafe (Netty-free but Jackson/H2), JFR and JMX for monitoring, zipfs for nested jars, EC TLS.
"$java_home/bin/jlink" --add-modules java.se,jdk.unsupported,jdk.management,jdk.jfr,jdk.zipfs,jdk.crypto.ec,jdk.localedata,jdk.httpserver \
  --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output "$rootfs/opt/java"

echo 'digitlab:x:1000:1000:Digit Lab:/data:/usr/sbin/nologin' >> "$rootfs/etc/passwd"
echo 'digitlab:x:1000:' >> "$rootfs/etc/group"
mkdir -p "$rootfs/data"
chown 1000:1000 "$rootfs/data"

say "write the layer and the image config"
tar --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/image/$layer_sha"
mv "$work/layer.tar" "$work/image/$layer_sha/layer.tar"
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$work/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"$created",
 "config":{"Env":["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
   "JAVA_HOME=/opt/java","LANG=C.UTF-8"],"User":"1000:1000","WorkingDir":"/data"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer_sha"]},
 "history":[{"created":"$created","created_by":"deploy/image/build-base-image.sh ($want_stamp)"}]}
EOF
config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config_sha.json"
cat > "$work/image/manifest.json" <<EOF
[{"Config":"$config_sha.json","RepoTags":["digitlab-base:bookworm"],"Layers":["$layer_sha/layer.tar"]}]
EOF

mkdir -p "$out_dir"
(cd "$work/image" && tar -cf "$out.part" manifest.json "$config_sha.json" "$layer_sha")
mv "$out.part" "$out"
echo "$want_stamp" > "$stamp"
say "wrote $out ($(du -h "$out" | cut -f1))"
