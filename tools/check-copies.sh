#!/usr/bin/env bash
# The repository carries copies of the shared fixtures and data sets (tests must not read
# the shared folder at run time). This checks that each copy still equals its source byte
# for byte: every file of a source folder must exist in the copy and be identical; files
# that only the copy has (fixtures derived here, each with the script that made it) are
# allowed. Usage: tools/check-copies.sh [SHARED]   (default: ../shared next to the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
if [ ! -d "$shared/fixtures" ]; then
  echo "check-copies: $shared/fixtures is not here (a fresh clone has no shared folder); copies not checked"
  exit 0
fi
# source folder (under $shared) -> its copy in the repository
pairs=(
  "fixtures/onnx:Tests/EngineTests/Fixtures/onnx"
  "fixtures/reference:Tests/EngineTests/Fixtures/reference"
  "fixtures/tokens:Tests/EngineTests/Fixtures/tokens"
  "data/latency:data/latency"
  "data/nb201:data/nb201"
  "data/latency-transformers:data/latency-transformers"
)
checked=0 problems=0
for pair in "${pairs[@]}"; do
  src=$shared/${pair%%:*} copy=${pair#*:}
  [ -d "$src" ] || { echo "check-copies: $src is missing"; problems=$((problems + 1)); continue; }
  while IFS= read -r -d '' f; do
    rel=${f#"$src"/}
    if [ ! -f "$copy/$rel" ]; then
      echo "check-copies: $copy/$rel is missing (source: $f)"; problems=$((problems + 1))
    elif ! cmp -s "$f" "$copy/$rel"; then
      echo "check-copies: $copy/$rel differs from $f"; problems=$((problems + 1))
    fi
    checked=$((checked + 1))
  done < <(find "$src" -type f -print0)
done
if [ "$problems" -gt 0 ]; then
  echo "check-copies: $problems of $checked copied files do not equal their sources"
  exit 1
fi
echo "check-copies: $checked copied files equal their sources in $shared"
