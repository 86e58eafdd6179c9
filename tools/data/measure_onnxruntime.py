"""Measure ONNX latencies with onnxruntime, one thread: float weights without data filled
with a constant (0.01), 3 warm-up runs, the minimum of 10 timed runs. Input: a latency list
(id path batch ms family platform res, paths relative to the list); output: the same lines
with the measured ms and the given platform. How data/latency-zen3 was measured:

  OMP_NUM_THREADS=1 nice -n -10 taskset -c 1 python3 measure_onnxruntime.py LIST OUT PLATFORM
Needs onnx and onnxruntime."""
import sys, time, os
import numpy as np, onnx, onnxruntime as ort
from onnx import numpy_helper
src, dst, platform = sys.argv[1], sys.argv[2], sys.argv[3]
base = os.path.dirname(os.path.abspath(src))
out = open(dst, 'w')
so = ort.SessionOptions(); so.intra_op_num_threads = 1; so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
t0 = time.time()
for n, line in enumerate(open(src)):
    f = line.split()
    if len(f) < 7: continue
    ident, path, batch, _, family, _, res = f[:7]
    m = onnx.load(os.path.join(base, path))
    for t in m.graph.initializer:
        if t.data_type == 1 and not t.raw_data and not t.float_data:
            t.CopyFrom(numpy_helper.from_array(np.full(list(t.dims), 0.01, np.float32), t.name))
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=['CPUExecutionProvider'])
    inp = sess.get_inputs()[0]
    shape = [int(batch) if not isinstance(d, int) else d for d in inp.shape]
    x = np.random.rand(*shape).astype(np.float32)
    for _ in range(3): sess.run(None, {inp.name: x})
    best = 1e9
    for _ in range(10):
        s = time.perf_counter(); sess.run(None, {inp.name: x}); best = min(best, time.perf_counter() - s)
    out.write(f"{ident} {path} {batch} {best*1000:.5f} {family} {platform} {res}\n"); out.flush()
    if n % 50 == 0: print(n, ident, f"{best*1000:.3f} ms", f"{time.time()-t0:.0f} s", flush=True)
