#!/bin/sh
# Builds the gotemplate oracle (this directory) into OUTPUT from Debian's Go packages only: GOPATH
# mode over /usr/share/gocode, nothing downloaded. scripts/setup installs those packages.
# Usage: build.sh OUTPUT
# Exit 77 (ctest's SKIP_RETURN_CODE for the fixture) when Go or a package is missing: the
# oracle tests are then reported as skipped, with the reason printed here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTPUT}
case "$out" in /*) ;; *) out=$(pwd)/$out ;; esac

go=$(command -v go || echo /usr/lib/go/bin/go)
if [ ! -x "$go" ]; then
  echo "gotemplate oracle not built: no Go toolchain (scripts/setup installs golang-go)"
  exit 77
fi
gocode=/usr/share/gocode/src
for pkg in github.com/Masterminds/sprig github.com/Masterminds/semver sigs.k8s.io/yaml \
  gopkg.in/yaml.v2 gopkg.in/yaml.v3 github.com/BurntSushi/toml github.com/gobwas/glob; do
  if [ ! -d "$gocode/$pkg" ]; then
    echo "gotemplate oracle not built: $gocode/$pkg is missing (scripts/setup installs it)"
    exit 77
  fi
done

# A GOPATH of our own beside the output holds a copy of the sources under their import path
# and the build cache, so that rebuilding after an edit takes a second.
work=$(dirname "$out")/gotemplate-oracle.gopath
src=$work/src/flotilla/oracle/gotemplate
rm -rf "$src"
mkdir -p "$src"
cp -R "$here"/. "$src"/
env -u GOFLAGS GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOPROXY=off \
  GOCACHE="$work/cache" GOTOOLCHAIN=local CGO_ENABLED=0 \
  "$go" build -trimpath -o "$out.tmp" flotilla/oracle/gotemplate
mv -f "$out.tmp" "$out"
echo "built $out"
