#!/usr/bin/env python3
"""Two fixed ensembles for the leave-one-family-out latency split, scored on all nine
families against FLOPs+MAC.

  seeds:     the arithmetic mean (ms) of the node-cost model trained with seeds 0, 1, 2
             (the section-4 recipe of docs/results.md, nothing else changed). Variance
             reduction, the same for every family; no weight, nothing tuned.
  +flopsmac: the arithmetic mean (ms) of the seed-0 node-cost model and the FLOPs+MAC
             regression, both fitted on the eight training families, equal weights fixed
             a priori (the rule of tools/analysis/nb201_ensemble.py).

Both rules were committed before their numbers were computed on any family except one:
the googlenet diagnosis (tools/analysis/lofo_diagnosis.py) had already printed the MAPE of
the geometric mean of model and FLOPs+MAC on googlenet (6.04%), so +flopsmac is not blind
there; the seed ensemble is blind on all nine.

Input: folders of per-family CSVs written by
  narformer eval --model M --data data/latency/gt.txt --families F --baseline flops-mac --predictions DIR/F.csv
Run: python3 tools/analysis/lofo_ensembles.py SEED0_DIR SEED1_DIR SEED2_DIR
"""
import csv
import sys
from pathlib import Path

import numpy as np


def load(path):
    with open(path, newline='') as h:
        rows = list(csv.DictReader(h))
    return ([r['id'] for r in rows], np.array([float(r['measured']) for r in rows]),
            np.array([float(r['predicted']) for r in rows]), np.array([float(r['baseline']) for r in rows]))


def mape(p, y):
    return float(np.mean(np.abs(p - y) / y))


def main():
    folders = [Path(a) for a in sys.argv[1:4]]
    if len(folders) != 3:
        sys.exit('usage: lofo_ensembles.py SEED0_DIR SEED1_DIR SEED2_DIR')
    print('| family | seed 0 | seed 1 | seed 2 | seeds mean | +flopsmac | FLOPs+MAC |')
    print('|---|---|---|---|---|---|---|')
    table = []
    for f in sorted(folders[0].glob('*.csv')):
        runs = [load(d / f.name) for d in folders]
        ids, y, _, base = runs[0]
        for other in runs[1:]:
            if other[0] != ids:
                sys.exit(f'{f.name}: the seed files list different networks')
        preds = [r[2] for r in runs]
        row = [mape(p, y) for p in preds] + [mape(np.mean(preds, 0), y), mape((preds[0] + base) / 2, y), mape(base, y)]
        table.append(row)
        print(f'| {f.stem} | ' + ' | '.join(f'{v:.2%}' for v in row) + ' |')
    a = np.array(table)
    print('| **mean** | ' + ' | '.join(f'{v:.2%}' for v in a.mean(0)) + ' |')
    for k, name in [(0, 'seed 0'), (3, 'seeds mean'), (4, '+flopsmac')]:
        print(f'{name}: better than FLOPs+MAC on {(a[:, k] < a[:, 5]).sum()} of {len(a)}')


if __name__ == '__main__':
    main()
