#!/usr/bin/env python3
"""What does a latency prediction's error follow? The signals a novelty score could use,
measured against the absolute relative error on the leave-one-family-out splits.

Input: the JSON lines of
  narformer-lab bench novelty --json --ensemble 1 --out-of-fold 5 > novelty.jsonl
(one line per scored test network, in-domain and unseen, with the study's scores, nodes,
FLOPs, the prediction and `oof-knn`; and one line per training network of each fold,
marked "training", with its out-of-fold error from 5 inner models and its in-sample error)
and the latency list (batch size and input resolution of each network).

Reports, pooled over the folds' test networks, the Spearman of each signal with the error
(pooled, within the in-domain networks, within the unseen ones) and the ROC AUC of unseen
against in-domain; on the training networks, what their out-of-fold error follows; then an
error model fitted per fold on that fold's training networks only (least squares of
ln(out-of-fold error + 0.01) on ln prediction, ln FLOPs, ln nodes, ln batch, ln resolution,
ln(prediction / FLOPs)^2, ln(prediction)^2) and applied to the fold's test networks, alone
and added to ln(embedding novelty); and ln(embedding) + w ln(prediction / FLOPs) for a sweep
of w. The weights of those sums are chosen by looking at the evaluation itself, so their
best row is an optimistic bound, not an honest result. Last, honest combinations: ln of the
product's score (embedding x op-mix) plus an expected log error whose weights are fitted per
fold on that fold's training networks' out-of-fold errors only (the slope c of ln(error +
0.01) on ln(prediction / FLOPs), or the error model above).
Run: python3 tools/analysis/novelty_error_signals.py novelty.jsonl [--list data/latency/gt.txt]
"""
import argparse
import json

import numpy as np
from scipy.stats import rankdata, spearmanr


def auc(positive, score):
    positive = np.asarray(positive, bool)
    ranks = rankdata(score)
    p, n = positive.sum(), (~positive).sum()
    return (ranks[positive].sum() - p * (p + 1) / 2) / (p * n)


def features(row):
    p, f = row["predicted"], max(row["flops"], 1.0)
    return [1.0, np.log(p), np.log(f), np.log(row["nodes"]), np.log(row["batch"]), np.log(row["res"]),
            np.log(p / f) ** 2, np.log(p) ** 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lines")
    parser.add_argument("--list", default="data/latency/gt.txt")
    args = parser.parse_args()
    listed = {}
    for line in open(args.list):
        f = line.split()
        listed[f[0]] = {"batch": int(f[2]), "res": int(f[6]), "family": f[4]}
    test, train = [], []
    for line in open(args.lines):
        row = json.loads(line)
        row.update(listed[row["name"]])
        (train if row.get("training") else test).append(row)
    error = np.array([r["relative_error"] for r in test])
    unseen = np.array([r["unseen"] for r in test])

    def report(name, score):
        s = np.asarray(score, float)

        def within(group):
            # A score constant within a group (the unseen flag) ranks nothing there.
            return "-" if np.ptp(s[group]) == 0 else f"{spearmanr(s[group], error[group])[0]:.3f}"
        print(f"| {name} | {spearmanr(s, error)[0]:.3f} | {within(~unseen)} | {within(unseen)} | {auc(unseen, s):.3f} |")

    print(f"{len(test)} test networks ({unseen.sum()} unseen), {len(train)} training rows\n")
    print("| signal | Spearman pooled | in-domain | unseen | AUC |\n|---|---|---|---|---|")
    report("the unseen flag", unseen.astype(float))
    for key in ["embedding", "op-mix", "embedding x op-mix", "knn-residual", "oof-knn", "nodes", "flops",
                "predicted", "batch", "res"]:
        report(key, [r[key] for r in test])
    slowness = np.log([r["predicted"] / max(r["flops"], 1.0) for r in test])
    report("ln(prediction / FLOPs)", slowness)

    oof = np.array([r["out_of_fold_error"] for r in train])
    print("\ntraining networks, Spearman with their out-of-fold error:")
    for key in ["in_sample_error", "predicted", "nodes", "flops", "batch", "res"]:
        print(f"  {key}: {spearmanr([r[key] for r in train], oof)[0]:.3f}")
    print(f"  ln(prediction / FLOPs): {spearmanr(np.log([r['predicted'] / max(r['flops'], 1.0) for r in train]), oof)[0]:.3f}")

    fitted = np.zeros(len(test))
    for fold in sorted(set(r["fold"] for r in test)):
        rows = [r for r in train if r["fold"] == fold]
        x = np.array([features(r) for r in rows])
        y = np.log(np.array([r["out_of_fold_error"] for r in rows]) + 0.01)
        w = np.linalg.lstsq(x, y, rcond=None)[0]
        mine = [i for i, r in enumerate(test) if r["fold"] == fold]
        fitted[mine] = np.array([features(test[i]) for i in mine]) @ w
    # A test network identical to a training one scores 0; its logarithm is kept finite.
    embedding = np.log([max(r["embedding"], 1e-3) for r in test])
    mix = 0.5 * (embedding + np.log([max(r["op-mix"], 1e-3) for r in test]))
    print("\n| score | Spearman pooled | in-domain | unseen | AUC |\n|---|---|---|---|---|")
    report("error model (fitted per fold on its training networks' out-of-fold errors)", fitted)
    for a in [0.5, 1, 2]:
        report(f"error model + {a} ln embedding", fitted + a * embedding)
        report(f"error model + {a} ln(embedding x op-mix)", fitted + a * mix)
    for w in [0.25, 0.5, 1, 2, 4]:
        report(f"ln embedding + {w} ln(prediction / FLOPs)", embedding + w * slowness)
        report(f"ln(embedding x op-mix) + {w} ln(prediction / FLOPs)", mix + w * slowness)

    # Honest: novelty times an expected-error factor whose one weight is fitted per fold on
    # that fold's training networks' out-of-fold errors only. The form fixes the weight of
    # ln novelty at 1 (a distance ratio times an error ratio), so nothing is chosen on the
    # test networks; c, the elasticity of the error with the predicted cost per FLOP, is the
    # least-squares slope of ln(out-of-fold error + 0.01) on ln(prediction / FLOPs).
    print("\nhonest combinations (weights fitted per fold on its training networks' out-of-fold errors):")
    print("| score | Spearman pooled | in-domain | unseen | AUC |\n|---|---|---|---|---|")
    product = np.log([max(r["embedding x op-mix"], 1e-3) for r in test])
    elastic, elastic_centred, slopes = np.zeros(len(test)), np.zeros(len(test)), []
    for fold in sorted(set(r["fold"] for r in test)):
        rows = [r for r in train if r["fold"] == fold]
        rate = np.log([r["predicted"] / max(r["flops"], 1.0) for r in rows])
        y = np.log(np.array([r["out_of_fold_error"] for r in rows]) + 0.01)
        c, a = np.polyfit(rate, y, 1)
        slopes.append(f"{fold} {c:.2f}")
        mine = np.array([i for i, r in enumerate(test) if r["fold"] == fold])
        elastic[mine] = a + c * slowness[mine]
        elastic_centred[mine] = c * (slowness[mine] - np.median(rate))
    report("ln(embedding x op-mix) + fitted a + c ln(prediction / FLOPs)", product + elastic)
    report("ln(embedding x op-mix) + c (ln(prediction / FLOPs) - its training median)", product + elastic_centred)
    report("ln(embedding x op-mix) + error model", product + fitted)
    print("slope c per fold: " + ", ".join(slopes))


if __name__ == "__main__":
    main()
