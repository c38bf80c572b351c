"""Benchmark tooling: the SR3 U-Net of docs/SR3-ARCHITECTURE.md as an ONNX graph, for any config, made
from a safetensors checkpoint, plus random-weight checkpoints of any config (nothing large is committed).

  python bench/sr3_onnx.py random-checkpoint --config '{"inner_channel": 64, "channel_mults": [1,2,4,8,8],
      "attn_res": [16], "res_blocks": 2, "norm_groups": 32, "image_size": 128}' --out /tmp/sr3-97m.safetensors
  python bench/sr3_onnx.py export --checkpoint /tmp/sr3-97m.safetensors --batch 4 --out /tmp/sr3-97m-b4.onnx
  python bench/sr3_onnx.py check --checkpoint models/sr3-tiny-16to128.safetensors --reference bench/sr3-tiny-unet-b1.onnx

The graph uses the operators PyTorch's exporter emits for this network (GroupNorm as Reshape +
InstanceNormalization + affine, Swish as Sigmoid * x, attention as MatMul + Softmax), so ONNX Runtime
runs what it would run for an exported model. Inputs: `x` [B, in_channel, S, S] and `noise_level` [B];
output `eps` [B, out_channel, S, S].
"""
from __future__ import annotations

import argparse
import json
import math
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def read_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = memoryview(data)[8 + length:]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {entry['dtype']}, only F32 is supported")
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"])
    return tensors, meta


def write_safetensors(path: str, tensors: dict[str, np.ndarray], meta: dict[str, str]) -> None:
    header, offset, blobs = {"__metadata__": meta}, 0, []
    for name in sorted(tensors):
        blob = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def shapes(config: dict, in_channel: int) -> dict[str, tuple[int, ...]]:
    """Every state-dict name of the config with its shape (spec section 2, the construction)."""
    c = config["inner_channel"]
    out: dict[str, tuple[int, ...]] = {}

    def conv(p, cin, cout, k, bias=True):
        out[p + ".weight"] = (cout, cin, k, k)
        if bias:
            out[p + ".bias"] = (cout,)

    def norm(p, ch):
        out[p + ".weight"] = (ch,)
        out[p + ".bias"] = (ch,)

    def linear(p, fin, fout):
        out[p + ".weight"] = (fout, fin)
        out[p + ".bias"] = (fout,)

    def block(p, cin, cout):
        norm(p + ".block.0", cin)
        conv(p + ".block.3", cin, cout, 3)

    def resnet(p, cin, cout, attn):
        r = p + ".res_block"
        block(r + ".block1", cin, cout)
        linear(r + ".noise_func.noise_func.0", c, cout)
        block(r + ".block2", cout, cout)
        if cin != cout:
            conv(r + ".res_conv", cin, cout, 1)
        if attn:
            norm(p + ".attn.norm", cout)
            conv(p + ".attn.qkv", cout, 3 * cout, 1, bias=False)
            conv(p + ".attn.out", cout, cout, 1)

    linear("noise_level_mlp.1", c, 4 * c)
    linear("noise_level_mlp.3", 4 * c, c)
    for layer in layers(config, in_channel):
        kind, name = layer[0], layer[1]
        if kind == "conv":
            conv(name, layer[2], layer[3], 3)
        elif kind == "resnet":
            resnet(name, layer[2], layer[3], layer[4])
    block("final_conv", config["inner_channel"] * config["channel_mults"][0], config.get("out_channel", 3))
    return out


def layers(config: dict, in_channel: int) -> list[tuple]:
    """The U-Net in order: ("conv", name, cin, cout, stride|"up") / ("resnet", name, cin, cout, attn, skip-role)."""
    c, mults, r = config["inner_channel"], config["channel_mults"], config["res_blocks"]
    attn_res, res = config["attn_res"], config["image_size"]
    seq = [("conv", "downs.0", in_channel, c, "stem")]
    feats, pre, n = [c], c, 1
    last = len(mults) - 1
    for i, m in enumerate(mults):
        for _ in range(r):
            seq.append(("resnet", f"downs.{n}", pre, c * m, res in attn_res, "down"))
            feats.append(c * m)
            pre, n = c * m, n + 1
        if i != last:
            seq.append(("conv", f"downs.{n}.conv", pre, pre, "down"))
            feats.append(pre)
            res //= 2
            n += 1
    seq.append(("resnet", "mid.0", pre, pre, True, "mid"))
    seq.append(("resnet", "mid.1", pre, pre, False, "mid"))
    n = 0
    for i in reversed(range(len(mults))):
        for _ in range(r + 1):
            skip = feats.pop()
            seq.append(("resnet", f"ups.{n}", pre + skip, c * mults[i], res in attn_res, "up"))
            pre, n = c * mults[i], n + 1
        if i != 0:
            seq.append(("conv", f"ups.{n}.conv", pre, pre, "up"))
            res *= 2
            n += 1
    return seq


def random_checkpoint(config: dict, in_channel: int, seed: int) -> dict[str, np.ndarray]:
    """PyTorch's default initialisation (uniform +-1/sqrt(fan_in)); GroupNorm weight 1, bias 0."""
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, shape in shapes(config, in_channel).items():
        is_norm = ".block.0." in name or ".attn.norm." in name
        if is_norm:
            tensors[name] = np.ones(shape, np.float32) if name.endswith("weight") else np.zeros(shape, np.float32)
            continue
        fan_in = int(np.prod(shapes(config, in_channel)[name.rsplit(".", 1)[0] + ".weight"][1:]))
        bound = 1 / math.sqrt(fan_in)
        tensors[name] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return tensors


class Graph:
    def __init__(self, tensors: dict[str, np.ndarray]):
        self.tensors, self.nodes, self.inits, self.n = tensors, [], [], 0

    def name(self, hint: str) -> str:
        self.n += 1
        return f"{hint}_{self.n}"

    def const(self, value: np.ndarray, hint: str = "c") -> str:
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(self, key: str) -> str:
        return self.const(self.tensors[key].astype(np.float32), key)

    def op(self, kind: str, inputs: list[str], **attrs) -> str:
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x, p, stride=1, bias=True):
        k = self.tensors[p + ".weight"].shape[-1]
        ins = [x, self.weight(p + ".weight")] + ([self.weight(p + ".bias")] if bias else [])
        pad = k // 2
        return self.op("Conv", ins, kernel_shape=[k, k], pads=[pad] * 4, strides=[stride, stride])

    def group_norm(self, x, p, groups, swish):
        ch = self.tensors[p + ".weight"].shape[0]
        r = self.op("Reshape", [x, self.const(np.array([0, groups, -1], np.int64))])
        n = self.op("InstanceNormalization", [r, self.const(np.ones(groups, np.float32)), self.const(np.zeros(groups, np.float32))],
                    epsilon=1e-5)
        shaped = self.op("Reshape", [n, self.op("Shape", [x])])
        y = self.op("Add", [self.op("Mul", [shaped, self.const(self.tensors[p + ".weight"].reshape(ch, 1, 1))]),
                            self.const(self.tensors[p + ".bias"].reshape(ch, 1, 1))])
        return self.swish(y) if swish else y

    def swish(self, x):
        return self.op("Mul", [x, self.op("Sigmoid", [x])])

    def linear(self, x, p):
        return self.op("Gemm", [x, self.weight(p + ".weight"), self.weight(p + ".bias")], transB=1)

    def block(self, x, p, groups):
        return self.conv(self.group_norm(x, p + ".block.0", groups, True), p + ".block.3")

    def resnet(self, x, p, emb, groups, attn, channels):
        r = p + ".res_block"
        h = self.block(x, r + ".block1", groups)
        noise = self.op("Unsqueeze", [self.linear(emb, r + ".noise_func.noise_func.0"), self.const(np.array([2, 3], np.int64))])
        h = self.op("Add", [h, noise])
        h = self.block(h, r + ".block2", groups)
        shortcut = self.conv(x, r + ".res_conv") if (r + ".res_conv.weight") in self.tensors else x
        h = self.op("Add", [h, shortcut])
        if attn:
            h = self.attention(h, p + ".attn", groups, channels)
        return h

    def attention(self, x, p, groups, c):
        n = self.group_norm(x, p + ".norm", groups, False)
        qkv = self.conv(n, p + ".qkv", bias=False)
        flat = self.op("Reshape", [qkv, self.const(np.array([0, 3 * c, -1], np.int64))])
        q, k, v = (self.op("Slice", [flat, self.const(np.array([i * c], np.int64)), self.const(np.array([(i + 1) * c], np.int64)),
                                     self.const(np.array([1], np.int64))]) for i in range(3))
        scores = self.op("Mul", [self.op("MatMul", [self.op("Transpose", [q], perm=[0, 2, 1]), k]),
                                 self.const(np.array(1 / math.sqrt(c), np.float32))])
        a = self.op("Softmax", [scores], axis=-1)
        o = self.op("MatMul", [v, self.op("Transpose", [a], perm=[0, 2, 1])])
        o = self.op("Reshape", [o, self.op("Shape", [x])])
        return self.op("Add", [self.conv(o, p + ".out"), x])


def export(tensors: dict[str, np.ndarray], config: dict, in_channel: int, batch: int, size: int) -> onnx.ModelProto:
    g = Graph(tensors)
    c, groups = config["inner_channel"], config["norm_groups"]
    half = c // 2
    freqs = np.exp(-math.log(10000) * np.arange(half, dtype=np.float64) / half).astype(np.float32)
    level = g.op("Unsqueeze", ["noise_level", g.const(np.array([1], np.int64))])
    e = g.op("Mul", [level, g.const(freqs.reshape(1, half))])
    pe = g.op("Concat", [g.op("Sin", [e]), g.op("Cos", [e])], axis=1)
    emb = g.linear(g.swish(g.linear(pe, "noise_level_mlp.1")), "noise_level_mlp.3")
    x, stack = "x", []
    for layer in layers(config, in_channel):
        kind, name, cin, cout, *rest = layer
        if kind == "conv":
            role = rest[0]
            if role == "up":
                x = g.op("Resize", [x, "", g.const(np.array([1, 1, 2, 2], np.float32))], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor")
            x = g.conv(x, name, stride=2 if role == "down" else 1)
        else:
            attn, role = rest
            if role == "up":
                x = g.op("Concat", [x, stack.pop()], axis=1)
            x = g.resnet(x, name, emb, groups, attn, cout)
        if name.startswith("downs."):
            stack.append(x)
    out = g.block(x, "final_conv", groups)
    g.nodes.append(helper.make_node("Identity", [out], ["eps"]))
    oc = config.get("out_channel", 3)
    graph = helper.make_graph(g.nodes, "sr3_unet",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, in_channel, size, size]),
                               helper.make_tensor_value_info("noise_level", TensorProto.FLOAT, [batch])],
                              [helper.make_tensor_value_info("eps", TensorProto.FLOAT, [batch, oc, size, size])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def config_of(meta: dict[str, str]) -> tuple[dict, int]:
    config = json.loads(meta["config"])
    return config, int(config.get("in_channel", meta.get("in_channel", 6)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("random-checkpoint")
    r.add_argument("--config", required=True, help="JSON of the config keys (spec section 2)")
    r.add_argument("--in-channel", type=int, default=6)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", required=True)
    e = sub.add_parser("export")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--batch", type=int, default=1)
    e.add_argument("--size", type=int, help="default: the checkpoint's hr_size or image_size")
    e.add_argument("--out", required=True)
    c = sub.add_parser("check", help="compare the exported graph with another ONNX file of the same network")
    c.add_argument("--checkpoint", required=True)
    c.add_argument("--reference", required=True)
    a = p.parse_args()

    if a.command == "random-checkpoint":
        config = {"out_channel": 3, "dropout": 0.0, **json.loads(a.config)}
        tensors = random_checkpoint(config, a.in_channel, a.seed)
        meta = {"kind": "sr3", "config": json.dumps(config), "in_channel": str(a.in_channel), "lr_size": "16",
                "hr_size": str(config["image_size"]),
                "train_schedule": json.dumps({"schedule": "linear", "n_timestep": 2000, "linear_start": 1e-6, "linear_end": 1e-2})}
        write_safetensors(a.out, tensors, meta)
        params = sum(t.size for t in tensors.values())
        print(json.dumps({"checkpoint": a.out, "parameters": params}))
        return
    tensors, meta = read_safetensors(a.checkpoint)
    config, in_channel = config_of(meta)
    if a.command == "export":
        size = a.size or int(meta.get("hr_size", config["image_size"]))
        model = export(tensors, config, in_channel, a.batch, size)
        onnx.checker.check_model(model)
        onnx.save(model, a.out)
        print(json.dumps({"onnx": a.out, "batch": a.batch, "size": size, "nodes": len(model.graph.node)}))
        return
    import onnxruntime as ort
    ref = ort.InferenceSession(a.reference, providers=["CPUExecutionProvider"])
    shape = [d if isinstance(d, int) else 1 for d in ref.get_inputs()[0].shape]
    ours = ort.InferenceSession(export(tensors, config, in_channel, shape[0], shape[2]).SerializeToString(),
                                providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    level = np.full([shape[0]], 0.5, np.float32)
    a_out = ref.run(None, {"x": x, "noise_level": level})[0]
    b_out = ours.run(None, {"x": x, "noise_level": level})[0]
    diff = float(np.max(np.abs(a_out - b_out)))
    print(json.dumps({"max_abs_difference": diff}))
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
