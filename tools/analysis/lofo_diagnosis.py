#!/usr/bin/env python3
"""Level bias or scatter? Splits the leave-one-family-out error of a latency model and of
the FLOPs+MAC baseline into the two.

For each left-out family (and each batch size within it): MAPE; the level bias b = mean of
ln(predicted / measured) (b = +0.05: 5% too slow on average); the scatter = sd of that log
ratio; and the MAPE left after dividing every prediction by exp(b), i.e. the error a
perfectly levelled predictor with the same ranking would keep. A model whose MAPE is mostly
bias misses the family's speed; one whose debiased MAPE is high misses its shape. Last
column: model MAPE minus FLOPs+MAC MAPE with a 95% paired bootstrap interval over the
family's networks (2000 resamples, seed 0): how sure the sign of the difference is.

Input: a folder of per-family CSVs written by
  narformer eval --model lofo-F.safetensors --data data/latency/gt.txt --families F \
    --baseline flops-mac --predictions DIR/F.csv
and the latency list (for the batch size of each network).
Run: python3 tools/analysis/lofo_diagnosis.py DIR [--list data/latency/gt.txt] [--by-batch F,...]
"""
import argparse
import csv
from pathlib import Path

import numpy as np


def split(pred, y):
    r = np.log(pred / y)
    b = r.mean()
    return (np.mean(np.abs(pred - y) / y), b, r.std(), np.mean(np.abs(pred * np.exp(-b) - y) / y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('folder')
    ap.add_argument('--list', default='data/latency/gt.txt')
    ap.add_argument('--by-batch', default='googlenet')
    args = ap.parse_args()
    batch = {}
    with open(args.list) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4:
                batch[parts[0]] = int(parts[2])
    rng = np.random.default_rng(0)
    print('| family | model MAPE | bias | scatter | debiased | FLOPs+MAC MAPE | bias | scatter | debiased | difference [95%] |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    wanted = set(args.by_batch.split(','))
    details = []
    for f in sorted(Path(args.folder).glob('*.csv')):
        with open(f, newline='') as h:
            rows = list(csv.DictReader(h))
        y = np.array([float(r['measured']) for r in rows])
        m = np.array([float(r['predicted']) for r in rows])
        b = np.array([float(r['baseline']) for r in rows])
        bs = np.array([batch[r['id']] for r in rows])
        sm, sb = split(m, y), split(b, y)
        d = np.abs(m - y) / y - np.abs(b - y) / y
        boot = np.sort([d[rng.integers(0, len(d), len(d))].mean() for _ in range(2000)])
        print(f'| {f.stem} | {sm[0]:.2%} | {sm[1]:+.3f} | {sm[2]:.3f} | {sm[3]:.2%} | '
              f'{sb[0]:.2%} | {sb[1]:+.3f} | {sb[2]:.3f} | {sb[3]:.2%} | '
              f'{d.mean():+.2%} [{boot[49]:+.2%}, {boot[1949]:+.2%}] |')
        if f.stem in wanted:
            for size in sorted(set(bs)):
                k = bs == size
                dm, db = split(m[k], y[k]), split(b[k], y[k])
                details.append(f'| {f.stem} batch {size} ({k.sum()}) | {dm[0]:.2%} | {dm[1]:+.3f} | {dm[2]:.3f} | '
                               f'{dm[3]:.2%} | {db[0]:.2%} | {db[1]:+.3f} | {db[2]:.3f} | {db[3]:.2%} |')
            c = np.corrcoef(np.log(m / y), np.log(b / y))[0, 1]
            details.append(f'\n{f.stem}: correlation of the two log errors {c:.3f}; '
                           f'MAPE of their geometric mean {np.mean(np.abs(np.sqrt(m * b) - y) / y):.2%}')
    if details:
        print('\n| subset | model MAPE | bias | scatter | debiased | FLOPs+MAC MAPE | bias | scatter | debiased |')
        print('|---|---|---|---|---|---|---|---|---|')
        print('\n'.join(details))


if __name__ == '__main__':
    main()
