#!/usr/bin/env bash
# Builds one of flotilla's libFuzzer targets with clang (ASan + UBSan, coverage on the code under
# test) and runs it for SECONDS (default 120) over a copy of its committed corpus, on one core.
# Built outside CMake, as src/render/gotemplate/fuzz.sh (clang 14 + libstdc++ 12 cannot compile
# every file of the tree). New corpus entries land in OUT/corpus (copy the interesting ones back
# with `cp -n`), crashes in OUT/artifacts/.
# Usage: scripts/fuzz.sh TARGET [SECONDS] [OUT]
#   TARGET: json | yaml | patch | fleet_yaml | kyaml | webhook
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?usage: scripts/fuzz.sh json|yaml|patch|fleet_yaml|kyaml|webhook [SECONDS] [OUT]}
SECONDS_TO_RUN=${2:-120}
OUT=${3:-/tmp/flotilla-fuzz/$TARGET}
CORE="src/core/status.cc src/core/json_limits.cc src/core/yaml.cc src/core/fyaml.cc
      src/core/yaml_emit.cc src/core/yaml_resolve.cc"
LIBS="-lfmt -lfyaml -lpthread"
case "$TARGET" in
  json) MAIN=src/core/fuzz_json.cc; SRCS="$CORE"; CORPUS=src/core/fuzz_corpus/json ;;
  yaml) MAIN=src/core/fuzz_yaml.cc; SRCS="$CORE"; CORPUS=src/core/fuzz_corpus/yaml ;;
  patch) MAIN=src/render/patch/fuzz_patch.cc; CORPUS=src/render/patch/fuzz_corpus
    SRCS="$CORE $(ls src/render/patch/*.cc | grep -v -e _test.cc -e fuzz_)" ;;
  fleet_yaml) MAIN=src/render/bundles/fuzz_fleet_yaml.cc
    SRCS="$CORE src/render/bundles/fleet_yaml.cc"; CORPUS=src/render/bundles/fuzz_corpus/fleet_yaml ;;
  kyaml) MAIN=src/render/kustomize/fuzz_kyaml.cc
    SRCS="$CORE src/render/kustomize/kyaml.cc"; CORPUS=src/render/kustomize/fuzz_corpus/kyaml ;;
  webhook) MAIN=src/webhook/fuzz_webhook.cc; CORPUS=src/webhook/fuzz_corpus
    SRCS="$CORE src/core/log.cc src/core/metrics.cc src/core/time.cc src/core/base64.cc
          src/webhook/receiver.cc
          src/http/message.cc src/git/url.cc src/model/gitrepo.cc src/model/labels.cc
          src/model/resource_type.cc src/model/validation.cc src/store/store.cc
          src/store/object_rules.cc"
    LIBS="$LIBS -lcrypto" ;;
  *) echo "unknown target $TARGET" >&2; exit 2 ;;
esac
mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts"
FLAGS="-std=c++20 -O1 -g -Isrc -fsanitize=address,undefined -fno-sanitize-recover=undefined -DFMT_SHARED"
FLAGS="$FLAGS $(pkg-config --cflags libfyaml 2>/dev/null || true)"
build() {
  local f=$1 o
  o=$OUT/obj/$(echo "$f" | tr / _).o
  if [ -f "$o" ] && [ "$o" -nt "$f" ]; then return 0; fi
  if [ "$f" = src/core/metrics.cc ]; then  # does not compile with clang 14 + libstdc++ 12
    g++ -std=c++20 -O1 -g -Isrc -DFMT_SHARED -c "$f" -o "$o"
  else
    clang++ $FLAGS -fsanitize=fuzzer-no-link -c "$f" -o "$o"
  fi
}
for f in $SRCS; do build "$f"; done
clang++ $FLAGS -fsanitize=fuzzer "$MAIN" "$OUT"/obj/*.o $LIBS -o "$OUT/fuzz"
cp -n "$CORPUS"/* "$OUT/corpus/" 2>/dev/null || true
ASAN_OPTIONS=detect_leaks=0 "$OUT/fuzz" -max_total_time="$SECONDS_TO_RUN" -timeout=10 \
  -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$OUT/artifacts/" "$OUT/corpus"
