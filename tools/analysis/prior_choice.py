#!/usr/bin/env python3
"""How a platform without a model of its own should choose among the shipped latency models
from its first measurements: by rank agreement (Spearman's rho of predicted against measured)
or by the spread of ln(measured / predicted) after one scale (what the retrainer uses).

For each latency list, 200 random samples of n measured networks (n = 3, 5, 10, 20, 30);
each criterion picks one model per sample; "right" is the model with the smaller spread on
the whole list (the one a lab would want). Ties in rho go to the first model (cpu-ort-1t),
as in the retrainer.

Input: each shipped model's prediction of every network of data/latency/gt.txt at its
list batch size, one JSON line per file, made with (from data/latency):
  for b in 1 2 4; do files=$(awk -v b=$b '$3==b {print $2}' gt.txt)
    narformer predict $files --batch $b --json > $OUT/ort-$b.jsonl
    narformer predict $files --batch $b --json --platform cpu-openvino-1t \
      --model ../../Sources/Engine/DefaultModels/latency-cpu-openvino-1t.safetensors > $OUT/ov-$b.jsonl
  done
Run: python3 tools/analysis/prior_choice.py $OUT
"""
import json
import math
import random
import sys
from collections import Counter

folder = sys.argv[1]
lists = {"openvino (Xeon)": "data/latency-openvino/gt.txt", "onnxruntime (Zen 3)": "data/latency-zen3/gt.txt",
         "onnxruntime (EPYC, cpu-ort-1t's own)": "data/latency/gt.txt"}


def predictions(prefix):
    out = {}
    for b in (1, 2, 4):
        for line in open(f"{folder}/{prefix}-{b}.jsonl"):
            row = json.loads(line)
            out[row["file"].split("/")[-1].removesuffix(".onnx")] = row["latency_ms"]
    return out


def ranks(x):
    order = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(order):  # average ranks on ties
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))


def spread(predicted, measured):
    r = [math.log(m / p) for p, m in zip(predicted, measured)]
    mean = sum(r) / len(r)
    return math.sqrt(sum((x - mean) ** 2 for x in r) / len(r))


models = {"cpu-ort-1t": predictions("ort"), "cpu-openvino-1t": predictions("ov")}
for title, path in lists.items():
    labels = {f[0]: float(f[3]) for f in (line.split() for line in open(path))}
    names = [n for n in labels if n in models["cpu-ort-1t"]]
    whole = {m: spread([p[n] for n in names], [labels[n] for n in names]) for m, p in models.items()}
    right = min(whole, key=whole.get)
    print(f"{title}: {len(names)} networks; spread after one scale on all: "
          + ", ".join(f"{m} {v:.3f}" for m, v in whole.items()) + f"; right: {right}")
    for n in (3, 5, 10, 20, 30):
        hits = Counter()
        for seed in range(200):
            sample = random.Random(seed).sample(names, n)
            measured = [labels[x] for x in sample]
            rho = {m: spearman([p[x] for x in sample], measured) for m, p in models.items()}
            sd = {m: spread([p[x] for x in sample], measured) for m, p in models.items()}
            hits["rho"] += max(rho, key=rho.get) == right  # max keeps the first on ties
            hits["spread"] += min(sd, key=sd.get) == right
        print(f"  {n:2d} measured: right choice by rho {hits['rho'] / 2:.1f}%, by the spread {hits['spread'] / 2:.1f}%")
