#!/bin/bash
# mk-oci-image.sh ROOTFS OUT.tar [NAME]
# Build an OCI image archive offline from a directory (one gzip layer):
# oci-layout, index.json, blobs/sha256/{manifest,config,layer} with digests
# computed by sha256sum. NAME (default docker.io/library/hbox:latest) goes
# into index.json as io.containerd.image.name (read by `ctr image import`)
# and, tag only, as org.opencontainers.image.ref.name (OCI layout).
# Loadable by `ctr image import OUT.tar` and `podman load -i OUT.tar`.
set -euo pipefail

rootfs=${1:?usage: mk-oci-image.sh ROOTFS OUT.tar [NAME]}
out=${2:?usage: mk-oci-image.sh ROOTFS OUT.tar [NAME]}
name=${3:-docker.io/library/hbox:latest}

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
armv7l | armv6l) arch=arm ;;
i?86) arch=386 ;;
*) arch=$(uname -m) ;;
esac

work=$(mktemp -d "${out%/*}/.oci.XXXXXX")
trap 'rm -rf "$work"' EXIT
blobs=$work/blobs/sha256
mkdir -p "$blobs"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# add_blob FILE: move FILE to blobs/sha256/DIGEST, print DIGEST
add_blob() {
    local d
    d=$(sha "$1")
    mv "$1" "$blobs/$d"
    echo "$d"
}

# Layer: numeric root ownership, fixed mtime, sorted: reproducible digests.
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 \
    -C "$rootfs" -cf "$work/layer.tar" .
diff_id=$(sha "$work/layer.tar")
gzip -n -1 "$work/layer.tar"
layer_size=$(size "$work/layer.tar.gz")
layer=$(add_blob "$work/layer.tar.gz")

cat >"$work/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  "Cmd":["sh"],"WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"mk-oci-image.sh (busybox-static)"}]}
EOF
config_size=$(size "$work/config.json")
config=$(add_blob "$work/config.json")

cat >"$work/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$config_size},
 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer","size":$layer_size}]}
EOF
manifest_size=$(size "$work/manifest.json")
manifest=$(add_blob "$work/manifest.json")

tag=${name##*:}
[ "$tag" != "$name" ] && [[ $tag != */* ]] || tag=latest
cat >"$work/index.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
 "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest","size":$manifest_size,
  "platform":{"architecture":"$arch","os":"linux"},
  "annotations":{"io.containerd.image.name":"$name","org.opencontainers.image.ref.name":"$tag"}}]}
EOF
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"

tar --numeric-owner --owner=0 --group=0 -C "$work" -cf "$out.tmp" oci-layout index.json blobs
mv "$out.tmp" "$out"
