#!/usr/bin/env python3
"""Leave-one-family-out with a stacking weight chosen by nested leave-one-family-out on
the eight training families only: prediction = w * model + (1 - w) * FLOPs+MAC (ms).

For the outer left-out family F, w is the value of {0, 0.05, ..., 1} with the lowest mean
MAPE over the eight inner families G != F, each scored by a node-cost model trained
without F and G (the section-4 recipe, seed 0) and FLOPs+MAC fitted on the seven other
families. F's own networks are never seen when w is chosen. The rule (grid, criterion,
arithmetic mean in ms) was committed before any pair model was trained.

Inputs:
  PAIRS: F-G.csv = predictions on G of the model trained without {F, G}, baseline fitted
         without {F, G} (tools/analysis/lofo_pairs.sh writes them);
  OUTER: F.csv   = the section-4 seed-0 model's predictions on F, baseline fitted on the
         eight others (narformer eval ... --families F --baseline flops-mac --predictions).
Run: python3 tools/analysis/lofo_stacking.py PAIRS_DIR OUTER_DIR
"""
import csv
import sys
from pathlib import Path

import numpy as np

FAMILIES = ['alexnet', 'efficientnet', 'googlenet', 'mnasnet', 'mobilenetv2', 'mobilenetv3', 'resnet',
            'squeezenet', 'vgg']
GRID = np.round(np.arange(0, 1.0001, 0.05), 2)


def load(path):
    with open(path, newline='') as h:
        rows = list(csv.DictReader(h))
    return tuple(np.array([float(r[k]) for r in rows]) for k in ('measured', 'predicted', 'baseline'))


def mape(p, y):
    return float(np.mean(np.abs(p - y) / y))


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: lofo_stacking.py PAIRS_DIR OUTER_DIR')
    pairs, outer = Path(sys.argv[1]), Path(sys.argv[2])
    print('| left-out family | w (nested) | inner MAPE at w | inner MAPE at w = 0.5 | stacked MAPE | model MAPE | FLOPs+MAC MAPE |')
    print('|---|---|---|---|---|---|---|')
    table = []
    for f in FAMILIES:
        inner = [load(pairs / f'{f}-{g}.csv') for g in FAMILIES if g != f]
        score = [np.mean([mape(w * m + (1 - w) * b, y) for y, m, b in inner]) for w in GRID]
        k = int(np.argmin(score))
        w = GRID[k]
        y, m, b = load(outer / f'{f}.csv')
        row = (mape(w * m + (1 - w) * b, y), mape(m, y), mape(b, y))
        table.append(row)
        print(f'| {f} | {w:.2f} | {score[k]:.2%} | {score[int(np.argmin(np.abs(GRID - 0.5)))]:.2%} | {row[0]:.2%} | {row[1]:.2%} | {row[2]:.2%} |')
    a = np.array(table)
    print(f'| **mean** | | | | {a[:, 0].mean():.2%} | {a[:, 1].mean():.2%} | {a[:, 2].mean():.2%} |')
    print(f'stacked better than FLOPs+MAC on {(a[:, 0] < a[:, 2]).sum()} of 9; '
          f'better than the model alone on {(a[:, 0] < a[:, 1]).sum()} of 9')


if __name__ == '__main__':
    main()
