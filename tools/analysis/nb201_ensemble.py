#!/usr/bin/env python3
"""Scores a fixed ensemble on the NAS-Bench-201 val cells: the per-device graph
Transformer and the op-count linear baseline, averaged with equal weights in ms.

The rule was fixed and committed before any ensemble number on val.csv was computed:
prediction = (transformer + op-count) / 2, per cell, both fitted on the train.csv cells
only (the Transformer by the section-2 command of docs/results.md, the baseline by
`narformer eval --baseline nb201-ops`, which fits it on the cells not evaluated, i.e.
train.csv). No weight is tuned: equal weights are the a-priori choice for two predictors
of equal known quality (their val Spearmans tie), and a k-fold choice on train.csv would
cost 5 Transformer trainings per device. The val numbers of each predictor alone were
known (results.md section 2); the ensemble's were not.

Input: one CSV per device as written by
  narformer eval --model dev-DEV.safetensors --data data/nb201/latency.csv --target DEV \
    --rows-from data/nb201/val.csv --baseline nb201-ops --predictions DIR/DEV.csv
Run: python3 tools/analysis/nb201_ensemble.py DIR
"""
import csv
import sys
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau, spearmanr


def mape(p, y):
    return float(np.mean(np.abs(p - y) / y))


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else '.')
    files = sorted(folder.glob('*.csv'))
    if not files:
        sys.exit(f'{folder}: no prediction CSVs')
    print('| device | Transformer | op-count | ensemble | ensemble - op-count | ensemble MAPE |')
    print('|---|---|---|---|---|---|')
    scores = []
    for f in files:
        with open(f, newline='') as h:
            rows = list(csv.DictReader(h))
        y = np.array([float(r['measured']) for r in rows])
        model = np.array([float(r['predicted']) for r in rows])
        base = np.array([float(r['baseline']) for r in rows])
        ens = (model + base) / 2
        s = [spearmanr(v, y)[0] for v in (model, base, ens)]
        t = [kendalltau(v, y)[0] for v in (model, base, ens)]
        scores.append(s + t)
        print(f'| {f.stem} | {s[0]:.4f} | {s[1]:.4f} | {s[2]:.4f} | {s[2] - s[1]:+.4f} | {mape(ens, y):.2%} |')
    a = np.array(scores)
    m = a.mean(0)
    print(f'| **mean** | {m[0]:.4f} | {m[1]:.4f} | {m[2]:.4f} | {m[2] - m[1]:+.4f} | |')
    print(f'\nSpearman better than op-count: Transformer on {(a[:, 0] > a[:, 1]).sum()}, '
          f'ensemble on {(a[:, 2] > a[:, 1]).sum()} of {len(a)} devices (full precision); '
          f'ensemble also better than the Transformer on {(a[:, 2] > a[:, 0]).sum()}')
    print(f'mean Kendall tau: Transformer {m[3]:.4f}, op-count {m[4]:.4f}, ensemble {m[5]:.4f}')


if __name__ == '__main__':
    main()
