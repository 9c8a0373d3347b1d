#!/usr/bin/env bash
# Builds the gotemplate libFuzzer target with clang (ASan + UBSan, coverage on the engine) and
# runs it for SECONDS (default 600) over a copy of fuzz_corpus/. On demand, never in CI.
# Needs Debian's clang and libclang-rt-14-dev. Usage: src/render/gotemplate/fuzz.sh [SECONDS] [OUT]
# Built outside CMake: core/metrics.cc and goyaml.cc do not compile with clang 14 + libstdc++ 12
# (goyaml.cc is compiled uninstrumented with g++). Crashes land in OUT/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../../.."
SECONDS_TO_RUN=${1:-600}
OUT=${2:-/tmp/gotemplate-fuzz}
mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts"
FLAGS="-std=c++20 -O1 -g -Isrc -fsanitize=address,undefined -fno-sanitize-recover=undefined -DFMT_SHARED"
build() {
  local f=$1 o
  o=$OUT/obj/$(echo "$f" | tr / _).o
  if [ -f "$o" ] && [ "$o" -nt "$f" ]; then return 0; fi
  if [ "$f" = src/render/gotemplate/goyaml.cc ]; then
    g++ -std=c++20 -O1 -g -Isrc -DFMT_SHARED -c "$f" -o "$o"
  else
    clang++ $FLAGS -fsanitize=fuzzer-no-link -c "$f" -o "$o"
  fi
}
export -f build
export FLAGS OUT
{ ls src/render/gotemplate/*.cc | grep -v -e _test.cc -e fuzz_template.cc
  echo src/core/status.cc src/core/yaml.cc src/core/yaml_emit.cc src/core/base64.cc src/core/hash.cc
} | tr ' ' '\n' | xargs -P2 -I{} bash -c 'build {}'
clang++ $FLAGS -fsanitize=fuzzer src/render/gotemplate/fuzz_template.cc "$OUT"/obj/*.o \
  -lpcre2-8 -lcrypto -lcrypt -lfmt -lfyaml -lpthread -o "$OUT/gotemplate_fuzz"
cp -n src/render/gotemplate/fuzz_corpus/* "$OUT/corpus/" || true
ASAN_OPTIONS=detect_leaks=0 "$OUT/gotemplate_fuzz" -max_total_time="$SECONDS_TO_RUN" -timeout=10 \
  -rss_limit_mb=2048 -max_len=4096 -artifact_prefix="$OUT/artifacts/" "$OUT/corpus"
