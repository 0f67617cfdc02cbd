#!/usr/bin/env bash
# Installs gatepass for the composite action and writes its path to the step output `path`.
#
# 1. A prebuilt release binary for this runner, when this repository pins its SHA-256 in
#    dist/checksums/<version>.sha256 (written by .github/workflows/release.yml, committed by a
#    maintainer). The download is refused unless it matches the pinned digest.
# 2. Otherwise, when <version> is the version of the action's own source, a build of that source
#    with `cargo install --locked` (the Cargo.lock of the pinned action commit).
# 3. Otherwise an error: an unpinned binary is never run.
set -euo pipefail

action_dir="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set; run this as part of the gatepass action}"
fail() {
  echo "::error title=gatepass install::$1"
  exit 1
}

source_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_dir/Cargo.toml" | head -n 1)
repository=$(sed -n 's/^repository = "\(.*\)"$/\1/p' "$action_dir/Cargo.toml" | head -n 1)
version="${GATEPASS_VERSION:-$source_version}"
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  fail "version '$version' is not a gatepass release version such as 0.1.0"
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  Darwin/arm64) target=aarch64-apple-darwin ;;
  *) target="" ;;
esac

dest="${RUNNER_TEMP:?RUNNER_TEMP is not set}/gatepass-$version"
mkdir -p "$dest/bin"
asset="gatepass-$version-$target.tar.gz"
checksums="$action_dir/dist/checksums/$version.sha256"
expected=""
if [ -n "$target" ] && [ -f "$checksums" ]; then
  expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1 }' "$checksums" | head -n 1)
fi

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  else
    shasum -a 256 "$1" | awk '{ print $1 }'
  fi
}

if [ -n "$expected" ]; then
  if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    fail "$checksums pins '$expected' for $asset, which is not a SHA-256 digest"
  fi
  url="$repository/releases/download/v$version/$asset"
  echo "gatepass $version: downloading $url"
  curl --proto '=https' --tlsv1.2 --fail --silent --show-error --location --retry 3 \
    --output "$dest/$asset" "$url"
  actual=$(sha256 "$dest/$asset")
  if [ "$actual" != "$expected" ]; then
    rm -f "$dest/$asset"
    fail "$asset has SHA-256 $actual, but $checksums pins $expected; refusing to run it"
  fi
  tar -xzf "$dest/$asset" -C "$dest/bin" gatepass
  rm -f "$dest/$asset"
  echo "gatepass $version: SHA-256 $actual matches the digest pinned in the action"
elif [ "$version" = "$source_version" ]; then
  echo "gatepass $version: no pinned release binary for ${target:-this runner}; building the action's source with cargo install --locked"
  command -v cargo >/dev/null 2>&1 || fail "no pinned binary for ${target:-this runner} and no cargo to build gatepass $version from source; install a Rust toolchain (1.89 or newer) first"
  cargo install --locked --path "$action_dir" --root "$dest" --bin gatepass --quiet
else
  fail "no SHA-256 pinned for gatepass $version on ${target:-this runner} in dist/checksums/, and the action's source is version $source_version; pin the action to the commit that pins $version, or leave 'version' empty"
fi

"$dest/bin/gatepass" --version
echo "path=$dest/bin/gatepass" >>"$GITHUB_OUTPUT"
