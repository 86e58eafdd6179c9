"""Small ViT, Swin and ConvNeXt networks exported by both of torch's ONNX exporters.

Each network is built from torchvision's own classes at a tiny size, exported with the
TorchScript exporter (dynamo=False, opset 17) and with the default exporter, and its float
weights are removed (dims kept; integer initializers kept), as in data/latency-transformers.
Run: python make_two_exporters.py OUTDIR   (torch 2.15, torchvision, onnx, onnxscript).
"""
import sys, os, functools
import torch, onnx
from torchvision.models.vision_transformer import VisionTransformer
from torchvision.models.swin_transformer import SwinTransformer, SwinTransformerBlockV2, PatchMergingV2
from torchvision.models.convnext import ConvNeXt, CNBlockConfig

def strip(path):
    m = onnx.load(path)
    for init in m.graph.initializer:
        if init.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE, onnx.TensorProto.BFLOAT16):
            dims = list(init.dims)
            name = init.name
            dt = init.data_type
            init.Clear()
            init.name = name
            init.data_type = dt
            init.dims.extend(dims)
    for node in m.graph.node:
        node.doc_string = ""
        keep = [a for a in node.metadata_props if False]
        del node.metadata_props[:]
    onnx.save(m, path)

def nets():
    torch.manual_seed(0)
    yield "vit", VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10), (1, 3, 32, 32)
    yield "swin", SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 2], window_size=[4, 4], num_classes=10), (1, 3, 32, 32)
    yield "convnext", ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)], num_classes=10), (1, 3, 32, 32)

def main(out):
    os.makedirs(out, exist_ok=True)
    for name, net, shape in nets():
        net.eval()
        # Random values in every parameter and buffer: exporters fold or share weights that
        # happen to be equal (zero biases, ones), which trained networks never have.
        with torch.no_grad():
            for p in net.parameters():
                p.uniform_(-0.5, 0.5)
        x = torch.randn(*shape)
        for tag, kw in (("torchscript", dict(dynamo=False, opset_version=17)), ("dynamo", dict(dynamo=True))):
            path = os.path.join(out, f"{name}-{tag}.onnx")
            torch.onnx.export(net, (x,), path, input_names=["input"], output_names=["output"], **kw)
            # the dynamo exporter may write weights to a side file; fold them back in, then strip
            m = onnx.load(path, load_external_data=True)
            onnx.save(m, path, save_as_external_data=False)
            if os.path.exists(path + ".data"):
                os.remove(path + ".data")
            strip(path)
            print(path, os.path.getsize(path), len(onnx.load(path).graph.node), "nodes")

if __name__ == "__main__":
    main(sys.argv[1])
