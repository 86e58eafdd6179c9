#!/usr/bin/env python3
"""How close to Spearman 1.0 can any predictor get on the NAS-Bench-201 latency split?

Measures, per device column of data/nb201/latency.csv, with the op-count linear model
(30 one-hot edge-op features + bias, least squares, the `--baseline nb201-ops` of
`narformer eval`) fitted on the train.csv cells:

  1. val Spearman (fitted on train, scored on the 200 val.csv cells): what results.md
     section 2 calls the baseline; beside it, the val Spearman of a richer classical model,
     the one-hot features plus all 375 products of two ops on different edges (ridge,
     lambda 1, intercept not penalised), fitted on train;
  2. in-sample Spearman on train and 10-fold cross-validated Spearman on train (pooled
     out-of-fold predictions; folds fixed by --seed). in-sample ~ CV ~ val says the
     31-coefficient model does not overfit and nothing the linear model misses is
     learnable from these features by refitting;
  3. the labels: distinct values, smallest step, range;
  4. drift: Spearman of the relative residual (y - p) / p against the cell `index`
     (on train + val), and the val Spearman of the linear model plus a cubic in `index`
     (fitted on train). `index` is not an architecture property; a predictor may not use
     it. It only shows how much of the residual is measurement-order drift;
  5. cross-device structure of the residuals: mean off-diagonal correlation of the
     train-cell log residuals (pixel3 left out: its labels break the fit) and the share
     of the first principal component. A shared architecture effect the linear model
     misses would correlate across devices;
  6. a simulation of the noise ceiling on the val cells: take the linear prediction as
     the truth t (fitted on train), draw labels y = Q(t * (1 + e)), e ~ N(0, s^2), where
     Q rounds like the device's labels (1 ms for the phones whose labels are integers,
     otherwise the label's printed precision) and s is chosen so the simulated
     out-of-model residual spread (sd of (y - t) / t) matches the observed 10-fold CV
     residual spread; report the mean Spearman(t, y) over --reps draws (the score of a
     predictor that knows t exactly), and the same with e = 0 (rounding alone).

What the simulation can and cannot prove: it shows what a perfect predictor would score
IF the linear model's residual were pure, independent label noise; it cannot show that
the residual is noise (by construction it treats all of it as noise). The evidence for
that comes from 2 and 5 (no learnable or shared structure), and from the fact that very
different predictors (the linear model, the graph Transformer) land on the same val
Spearman per device.

Run (numpy + scipy): python3 tools/analysis/nb201_noise_ceiling.py [--data data/nb201]
"""
import argparse
import csv

import numpy as np
from scipy.stats import spearmanr

OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']
INTEGER_LABEL_DEVICES = {'essential_ph_1', 'samsung_a50', 'samsung_s7'}


def edge_ops(arch):
    ops = []
    for node in arch.strip('|').split('|+|'):
        for edge in node.strip('|').split('|'):
            ops.append(OPS.index(edge.split('~')[0]))
    return ops


def one_hot(rows):
    x = np.zeros((len(rows), 30))
    for i, r in enumerate(rows):
        for k, o in enumerate(edge_ops(r['arch'])):
            x[i, k * 5 + o] = 1
    return np.hstack([x, np.ones((len(rows), 1))])


def lstsq(x, y):
    return np.linalg.lstsq(x, y, rcond=None)[0]


def with_pairs(x):
    columns = [x[:, :30]]
    for a in range(30):
        for b in range(a + 1, 30):
            if a // 5 != b // 5:
                columns.append((x[:, a] * x[:, b])[:, None])
    return np.hstack(columns + [x[:, 30:]])


def ridge(x, y, lam):
    a = x.T @ x + lam * np.eye(x.shape[1])
    a[-1, -1] -= lam  # the intercept (last column) is not penalised
    return np.linalg.solve(a, x.T @ y)


def kfold_predictions(x, y, k, rng):
    order = rng.permutation(len(y))
    out = np.empty(len(y))
    for fold in np.array_split(order, k):
        keep = np.setdiff1d(order, fold)
        out[fold] = x[fold] @ lstsq(x[keep], y[keep])
    return out


def decimals(text):
    return len(text.split('.')[1]) if '.' in text else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='data/nb201')
    ap.add_argument('--folds', type=int, default=10)
    ap.add_argument('--reps', type=int, default=200)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    with open(f'{args.data}/latency.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    devices = list(rows[0].keys())[2:]
    ids = {}
    for split in ('train', 'val'):
        with open(f'{args.data}/{split}.csv', newline='') as f:
            ids[split] = {r['index'] for r in csv.DictReader(f)}
    tr = np.array([r['index'] in ids['train'] for r in rows])
    va = np.array([r['index'] in ids['val'] for r in rows])
    x = one_hot(rows)
    index = np.array([int(r['index']) for r in rows], dtype=float)
    z = (index - index.mean()) / index.std()
    x_pairs = with_pairs(x)
    x_drift = np.hstack([x, np.stack([z, z ** 2, z ** 3], 1)])
    print(f'{tr.sum()} train cells, {va.sum()} val cells, {len(devices)} devices; '
          f'{args.folds}-fold CV, {args.reps} simulation draws, seed {args.seed}\n')

    header = ('device', 'val', 'pairs val', 'train-in', f'train-cv{args.folds}', 'distinct', 'step', 'range ms',
              'rho(res,idx)', 'val+idx', 'cv res sd / robust sd', 'sim round', 'sim ceiling')
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    table = []
    relative, log_residuals, log_val = {}, {}, []
    for d in devices:
        text = [r[d] for r in rows]
        y = np.array([float(t) for t in text])
        w = lstsq(x[tr], y[tr])
        p = x @ w
        val = spearmanr(p[va], y[va])[0]
        insample = spearmanr(p[tr], y[tr])[0]
        pairs_val = spearmanr((x_pairs @ ridge(x_pairs[tr], y[tr], 1.0))[va], y[va])[0]
        cv_pred = kfold_predictions(x[tr], y[tr], args.folds, rng)
        cv = spearmanr(cv_pred, y[tr])[0]
        levels = np.unique(y)
        step = 1.0 if d in INTEGER_LABEL_DEVICES else 10.0 ** -max(decimals(t) for t in text)
        rel = (y - p) / p
        drift = spearmanr(rel[tr | va], index[tr | va])[0]
        val_idx = spearmanr((x_drift @ lstsq(x_drift[tr], y[tr]))[va], y[va])[0]
        resid_sd = np.std((y[tr] - cv_pred) / cv_pred)
        resid_mad = 1.4826 * np.median(np.abs((y[tr] - cv_pred) / cv_pred))
        # The simulation: truth t = the linear prediction on the val cells.
        t = p[va]
        rounded = spearmanr(t, np.round(t / step) * step)[0]
        # Labels t * (1 + e), e drawn from the observed out-of-fold relative residuals of
        # the train cells (which already hold the rounding, so no second rounding).
        e = (y[tr] - cv_pred) / cv_pred
        if d == 'pixel3':
            ceiling = float('nan')  # relative residuals of 0.004 ms cells are meaningless
        else:
            ceiling = float(np.mean([spearmanr(t, t * (1 + rng.choice(e, len(t))))[0] for _ in range(args.reps)]))
        table.append((val, insample, cv, rounded, ceiling, val_idx, pairs_val))
        log_val.append(spearmanr(np.exp(x @ lstsq(x[tr], np.log(y[tr])))[va], y[va])[0])
        if d != 'pixel3':
            relative[d] = rel[tr]
            log_residuals[d] = np.log(y[tr]) - x[tr] @ lstsq(x[tr], np.log(y[tr]))
        print(f'| {d} | {val:.4f} | {pairs_val:.4f} | {insample:.4f} | {cv:.4f} | {len(levels)} | {step:g} | '
              f'{y.min():.3g}-{y.max():.3g} | {drift:+.2f} | {val_idx:.4f} | {resid_sd:.4f} / {resid_mad:.4f} | '
              f'{rounded:.4f} | {ceiling:.4f} |')
    m = np.mean(table, 0)
    print(f'| **mean** | {m[0]:.4f} | {m[6]:.4f} | {m[1]:.4f} | {m[2]:.4f} | | | | | {m[5]:.4f} | | {m[3]:.4f} | '
          f'{np.nanmean(np.array(table)[:, 4]):.4f} (20, no pixel3) |')
    print(f'op-count model fitted to ln y instead (exp of its prediction): mean val {np.mean(log_val):.4f}')
    no_pixel = [row for d, row in zip(devices, table) if d != 'pixel3']
    print(f'mean over the 20 devices without pixel3: val {np.mean([r[0] for r in no_pixel]):.4f}, '
          f'simulated ceiling {np.mean([r[4] for r in no_pixel]):.4f}')

    for title, residuals in [('relative residuals (y - p) / p of the op-count fit in ms (the baseline)', relative),
                             ('log residuals of an op-count fit to ln y (a multiplicative model)', log_residuals)]:
        names = list(residuals)
        r = np.array([residuals[d] for d in names]).T
        c = np.corrcoef(r.T)
        n = len(names)
        r = (r - r.mean(0)) / r.std(0)
        sv = np.linalg.svd(r, compute_uv=False)
        print(f'\ncross-device {title}, train cells, {n} devices (pixel3 left out): mean off-diagonal '
              f'correlation {(c.sum() - n) / (n * n - n):.3f}, first component {sv[0] ** 2 / np.sum(sv ** 2):.1%} '
              f'of the variance (independent noise: {1 / n:.1%})')
        print('  ' + ', '.join(f'{a} ~ {b} {c[names.index(a), names.index(b)]:.2f}' for a, b in
                               [('titanx_1', 'titanxp_1'), ('1080ti_1', 'titanxp_1'), ('titanx_1', 'titanx_32'),
                                ('2080ti_1', 'titan_rtx_1'), ('gold_6240', 'silver_4114'), ('samsung_a50', 'samsung_s7')]))


if __name__ == '__main__':
    main()
