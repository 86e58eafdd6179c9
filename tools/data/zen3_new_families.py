"""ShuffleNetV2, DenseNet and RegNet variants of random depth and width, exported with
torch's TorchScript exporter (opset 13, dynamic batch) as data/latency's networks were:
the new families of data/latency-zen3 (its README has the whole procedure).

  python3 zen3_new_families.py OUT 30          # OUT/onnx/<family>/*.onnx and OUT/new.txt
  python3 zen3_new_families.py --strip SRC DST # copy with the float weights removed
Needs torch, torchvision and onnx."""
import os, random, sys, warnings
import torch, torchvision
from torchvision.models import ShuffleNetV2, DenseNet
from torchvision.models.regnet import RegNet, BlockParams
warnings.filterwarnings("ignore")
torch.manual_seed(0); rng = random.Random(2026)
if sys.argv[1] == "--strip":
    import glob, onnx
    for f in sorted(glob.glob(os.path.join(sys.argv[2], "onnx", "*", "*.onnx"))):
        m = onnx.load(f)
        for t in m.graph.initializer:
            if t.data_type == 1 and len(t.dims) > 0:
                t.ClearField("raw_data"); t.ClearField("float_data")
        dst = os.path.join(sys.argv[3], os.path.relpath(f, sys.argv[2]))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        onnx.save(m, dst)
    sys.exit(0)
out = sys.argv[1]; per = int(sys.argv[2])
lines = []
def export(model, family, i):
    res = rng.choice([96, 128, 160, 192, 224]); batch = rng.choice([1, 1, 4])
    name = f"{family}_2026_{i:04d}"; path = f"onnx/{family}/{name}.onnx"
    os.makedirs(os.path.join(out, "onnx", family), exist_ok=True)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, torch.randn(1, 3, res, res), os.path.join(out, path), opset_version=13, dynamo=False,
                          input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "batch"}})
    lines.append(f"{name} {path} {batch} 0 {family} cpu-ort-zen3 {res}")
for i in range(per):
    c1 = rng.choice([48, 64, 96, 116, 128, 176, 244])
    export(ShuffleNetV2([rng.randint(2, 6), rng.randint(3, 10), rng.randint(2, 6)], [24, c1, 2 * c1, 4 * c1, rng.choice([512, 1024])]), "shufflenetv2", i)
for i in range(per):
    export(DenseNet(growth_rate=rng.choice([12, 16, 24, 32]), block_config=tuple(rng.randint(2, 12) for _ in range(4)),
                    num_init_features=rng.choice([32, 64]), bn_size=4), "densenet", i)
for i in range(per):
    bp = BlockParams.from_init_params(depth=rng.randint(8, 22), w_0=rng.choice([24, 32, 48, 64, 80]), w_a=rng.uniform(8, 40),
                                      w_m=rng.uniform(2.0, 2.7), group_width=rng.choice([8, 16, 24]))
    export(RegNet(bp), "regnet", i)
open(os.path.join(out, "new.txt"), "w").write("\n".join(lines) + "\n")
print(len(lines), "exported")
