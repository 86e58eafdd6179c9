#!/usr/bin/env python3
"""The prototype behind the cell-prior adaptation of the retrainer (Sources/Learning/Priors).

Per device of data/nb201/latency.csv, left out in turn: the other devices' additive
profiles (intercept + 24 edge-op one-hots without `none`, least squares on their train.csv
cells, each divided by its mean) are the priors; k shots are the first k train.csv cells
of one seeded shuffle (numpy, seed 7: not the Swift order, so numbers differ from
`narformer-lab bench fewshot` by a little); scored by Spearman on all the device's other
cells. Prints the mean over the 21 devices for:

  best+scale   the prior closest to the shots after one scale (smallest sd of
               ln(measured / predicted); with --by-rank: the prior that ranks them best,
               the retrainer's rule until 2026-12-02), times the median measured/predicted;
  posterior    Bayesian linear regression, prior N(best prior, cov(priors) + ridge I),
               one noise sd (0.1 x median shot) for all shots, for several ridges;
  loo          the ridge chosen per device by exact leave-one-out error;
  rel-noise    the same with a noise sd proportional to each shot (what pixel3's
               0.004 ms cells break);
  no-family    the posterior with every device of the left-out GPU family removed from
               the priors (titanx_1 also without titanx_32/256), a harder new device.

numpy + scipy; about a minute of CPU.
Run: python3 tools/analysis/nb201_cell_prior_choices.py [--by-rank]
"""
import csv
import os
import sys
import numpy as np
from scipy.stats import spearmanr

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "data", "nb201")
OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
rows = list(csv.reader(open(os.path.join(ROOT, "latency.csv"))))
devs = rows[0][2:]
idx = [int(r[0]) for r in rows[1:]]
Y = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
train = {int(r[0]) for r in list(csv.reader(open(os.path.join(ROOT, "train.csv"))))[1:]}


def feats(arch):
    ops = [p.split("~")[0] for s in arch.split("+") for p in s.strip("|").split("|")]
    f = np.zeros(25)
    f[0] = 1
    for e, o in enumerate(ops):
        k = OPS.index(o)
        if k > 0:
            f[1 + e * 4 + k - 1] = 1
    return f


X = np.array([feats(r[1]) for r in rows[1:]])
tr = np.array([i in train for i in idx])
W = {}
for j, d in enumerate(devs):
    w, *_ = np.linalg.lstsq(X[tr], Y[tr, j] / Y[tr, j].mean(), rcond=None)
    W[d] = w
pool = np.where(tr)[0]
np.random.default_rng(7).shuffle(pool)


BY_RANK = "--by-rank" in sys.argv


def choose(Xs, y, priors):
    if BY_RANK:
        rho = [spearmanr(Xs @ p, y)[0] for p in priors]
        mu = priors[int(np.nanargmax(rho))]
    else:
        spread = [np.std(np.log(np.maximum(y, 1e-9) / np.maximum(Xs @ p, 1e-9))) for p in priors]
        mu = priors[int(np.nanargmin(spread))]
    return mu, np.exp(np.median(np.log(y / np.maximum(Xs @ mu, 1e-9))))


def best_scale(Xs, y, priors, **_):
    mu, s = choose(Xs, y, priors)
    return s * mu


def posterior(Xs, y, priors, ridge=1e-4, relative=False):
    mu, s = choose(Xs, y, priors)
    yt = y / s
    var = (0.1 * np.maximum(yt, 1e-3)) ** 2 if relative else np.full_like(yt, (0.1 * np.median(yt)) ** 2)
    P = np.linalg.inv(np.cov(priors.T) + ridge * np.eye(25))
    A = Xs.T @ (Xs / var[:, None]) + P
    return s * np.linalg.solve(A, Xs.T @ (yt / var) + P @ mu)


def posterior_loo(Xs, y, priors, grid=(1e-4, 1e-3, 1e-2, 1e-1, 1, 10)):
    """The posterior whose ridge has the lowest exact leave-one-out error (what the
    retrainer does from 50 cells)."""
    mu, s = choose(Xs, y, priors)
    yt = y / s
    precision = 1 / (0.1 * np.median(yt)) ** 2
    best = None
    for ridge in grid:
        P = np.linalg.inv(np.cov(priors.T) + ridge * np.eye(25))
        Ai = np.linalg.inv(precision * Xs.T @ Xs + P)
        w = Ai @ (precision * Xs.T @ yt + P @ mu)
        h = precision * np.einsum("ij,jk,ik->i", Xs, Ai, Xs)
        error = np.mean(((yt - Xs @ w) / np.maximum(1 - h, 1e-9)) ** 2)
        if best is None or error < best[0]:
            best = (error, s * w)
    return best[1]


def mean_rho(method, k, family=False, **kw):
    out = []
    for j, d in enumerate(devs):
        fam = d.split("_")[0]
        priors = np.array([W[o] for o in devs if o != d and not (family and o.split("_")[0] == fam)])
        shots = pool[:k]
        ev = np.setdiff1d(np.arange(len(idx)), shots)
        out.append(spearmanr(X[ev] @ method(X[shots], Y[shots, j], priors, **kw), Y[ev, j])[0])
    return np.mean(out)


for k in [10, 20, 50, 200]:
    line = [f"k={k}", f"best+scale {mean_rho(best_scale, k):.4f}"]
    for ridge in [1e-4, 1e-3, 1e-2]:
        line.append(f"posterior(ridge {ridge:g}) {mean_rho(posterior, k, ridge=ridge):.4f}")
    line.append(f"ridge by leave-one-out {mean_rho(posterior_loo, k):.4f}")
    line.append(f"rel-noise {mean_rho(posterior, k, relative=True):.4f}")
    line.append(f"no-family best+scale {mean_rho(best_scale, k, family=True):.4f}")
    line.append(f"no-family posterior {mean_rho(posterior, k, family=True):.4f}")
    print(", ".join(line))
