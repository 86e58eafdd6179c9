"""Merge passes of measure_onnxruntime.py over one list into a latency list: each network's
label is its smallest latency over the passes (each pass already the minimum of 10 timed
runs), and the pass-vs-pass noise is printed per pair of passes (|a - b| / min(a, b)).

  python3 min_of_passes.py PLATFORM OUT PASS1 PASS2 [PASS3 ...]

How data/latency-zen5/gt.txt was made (its README)."""
import statistics, sys

platform, dst, passes = sys.argv[1], sys.argv[2], sys.argv[3:]


def load(path):
    rows = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 7:
            rows[f[0]] = f
    return rows


runs = [load(p) for p in passes]
ids = list(runs[0])
for r, p in zip(runs, passes):
    if set(r) != set(ids):
        sys.exit(f"{p}: not the same networks as {passes[0]}")
for i in range(len(runs)):
    for j in range(i + 1, len(runs)):
        rel = [abs(float(runs[i][k][3]) - float(runs[j][k][3])) / min(float(runs[i][k][3]), float(runs[j][k][3]))
               for k in ids]
        print(f"passes {i + 1} and {j + 1}: mean {100 * statistics.mean(rel):.1f}%, "
              f"median {100 * statistics.median(rel):.1f}%, within 10%: {100 * sum(r < 0.1 for r in rel) / len(rel):.1f}%")
with open(dst, "w") as out:
    for k in ids:
        f = list(runs[0][k])
        f[3] = "%.5f" % min(float(r[k][3]) for r in runs)
        f[5] = platform
        out.write(" ".join(f) + "\n")
