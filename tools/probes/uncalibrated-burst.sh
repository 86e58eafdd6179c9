#!/bin/bash
# A burst of 200 CNN drops into a fresh store on a platform served by another platform's
# model (an uncalibrated platform, which keeps every token encoding of its networks):
# seconds from the first rename to the last result, and the store's size.
# Usage (from the repository root): tools/probes/uncalibrated-burst.sh NARFORMER_BINARY LABEL
# Interleave two builds, e.g.: for r in 1 2 3; do tools/probes/uncalibrated-burst.sh old/narformer old;
#   tools/probes/uncalibrated-burst.sh .build/release/narformer new; done
set -e
B=$(realpath "$1"); LABEL=$2; ROOT=$(pwd); W=$(mktemp -d)
cat > "$W/cfg.yaml" <<'YAML'
store:
  path: var/store
models:
  directory: var/models
platforms:
  - name: cpu-ort-1t
  - name: xeon-ov
inboxes:
  - name: ov
    path: var/inbox/ov
    platform: xeon-ov
    batch_sizes: [1]
logging:
  level: warning
YAML
cd "$W"
"$B" serve --config cfg.yaml > serve.log 2>&1 &
PID=$!
"$B" status --config cfg.yaml --wait 60 > /dev/null
ls "$ROOT"/data/latency/onnx/*/*.onnx | awk 'NR%3==0' | head -200 > list
i=0; while read -r f; do cp "$f" "var/inbox/ov/n$i.onnx.tmp"; i=$((i+1)); done < list
start=$(date +%s.%N)
for ((k=0; k<i; k++)); do mv "var/inbox/ov/n$k.onnx.tmp" "var/inbox/ov/n$k.onnx"; done
while [ "$(ls var/inbox/ov/done 2>/dev/null | grep -c 'result.json$')" -lt "$i" ]; do sleep 0.1; done
end=$(date +%s.%N)
echo "$LABEL $(echo "$end - $start" | bc) s for $i drops, store $(du -sm var/store | cut -f1) MB"
kill "$PID"; wait "$PID" || true
cd "$ROOT"; rm -rf "$W"
