#!/bin/bash
# Usage: OUT=DIR tools/analysis/lofo_pairs.sh   (36 trainings of 0.5-2.5 min each, one at a time)
# Nested LOFO for the stacking weight: one node-cost model per pair of left-out families
# {F,G} (section-4 recipe, seed 0), scored on each of the two with FLOPs+MAC fitted on the
# other seven families (a list without the partner family, absolute ONNX paths).
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/i5/pairs}; mkdir -p $OUT
export NARFORMER_CACHE=/tmp/nfcache-netlat
N=.build/release/narformer
FAM="alexnet efficientnet googlenet mnasnet mobilenetv2 mobilenetv3 resnet squeezenet vgg"
for F in $FAM; do
  awk -v f=$F -v root=$PWD/data/latency '$5 != f { $2 = root "/" $2; print }' data/latency/gt.txt > $OUT/gt-no-$F.txt
done
for F in $FAM; do for G in $FAM; do
  [[ "$F" < "$G" ]] || continue
  s=$(date +%s)
  nice -n 10 $N train --data data/latency/gt.txt --exclude-families $F,$G --encoding costs --readout node-cost --epochs 15 --batch 16 --lr 1e-3 --hidden 128 --seed 0 --threads 1 --out $OUT/m-$F-$G.safetensors > $OUT/m-$F-$G.log 2>&1 || echo "train $F $G failed"
  nice -n 10 $N eval --model $OUT/m-$F-$G.safetensors --data $OUT/gt-no-$F.txt --families $G --baseline flops-mac --json --predictions $OUT/$F-$G.csv > $OUT/$F-$G.json || echo "eval $F $G failed"
  nice -n 10 $N eval --model $OUT/m-$F-$G.safetensors --data $OUT/gt-no-$G.txt --families $F --baseline flops-mac --json --predictions $OUT/$G-$F.csv > $OUT/$G-$F.json || echo "eval $G $F failed"
  echo "$F $G $(( $(date +%s)-s ))s"
done; done
echo done
