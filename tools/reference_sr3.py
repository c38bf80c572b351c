"""Independent reference of the SR3 pipeline (docs/SR3-ARCHITECTURE.md sections 1, 3, 5).

Written from the spec text alone (numpy + onnxruntime) to check that SR3Core's sampling pipeline
is right; the U-Net is bench/sr3-tiny-unet-b1.onnx. Only SwiftNormals was written from SR3Core's
NormalRNG.swift, to replay its noise stream.

    .venv/bin/python tools/reference_sr3.py check                       (~1 s)
        resamplers vs Tests/SR3CoreTests/Fixtures/resample-io.safetensors, the ONNX model vs
        sr3-tiny-ort-output, and the sampler vs sampler-io.safetensors (its network is the
        parity model, which has no ONNX export, so a slow numpy U-Net of section 2 runs it).
    .venv/bin/python tools/reference_sr3.py run --images data/natural128 --projection \
        --seeds 0 1 --out /tmp/ref [--swift .build/release/studygen] [--noise swift] [--limit 8]
        writes each LR PNG, the reference output per seed, and (with --swift) runs
        `studygen upscale` on the same LR PNG and seed; prints mean PSNR / consistency
        (MSE x1e5 of the output downsampled to the LR size vs the LR, in [0,1]) of bicubic,
        reference and Swift. --noise numpy (default) draws independent noise, for a statistical
        comparison; --noise swift replays SR3Core's NormalRNG so the two outputs should agree to
        +-1 grey level ("ref~swift": PSNR between them / max abs difference). ~8 s per image
        and seed for the reference (ORT, --threads 1) plus the same for Swift.

PNG IO is a tiny zlib reader/writer for 8-bit RGB (the bundled images' format).
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "SR3CoreTests", "Fixtures")


# ---------- PNG (8-bit RGB, non-interlaced) ----------

def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, ctype, interlace) == (8, 2, 0), f"{path}: only 8-bit RGB supported"
        elif kind == b"IDAT":
            idat += body
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    out = np.zeros((h, w, 3), np.int32)
    prev = np.zeros((w, 3), np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32).reshape(w, 3)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:  # sub, average, paeth: left to right, one pixel (3 bytes) at a time
            cur = np.zeros((w, 3), np.int32)
            for x in range(w):
                a = cur[x - 1] if x else np.zeros(3, np.int32)
                b = prev[x]
                c = prev[x - 1] if x else np.zeros(3, np.int32)
                if f == 1:
                    p = a
                elif f == 3:
                    p = (a + b) // 2
                else:
                    pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
                    p = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
                cur[x] = (line[x] + p) & 255
        out[y], prev = cur, cur
    return out.astype(np.uint8)


def write_png(path, img):
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def read_safetensors(path, metadata=False):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    if metadata:
        return header["__metadata__"]
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        assert v["dtype"] == "F32"
        out[k] = np.frombuffer(data[8 + n + b:8 + n + e], "<f4").reshape(v["shape"])
    return out


# ---------- section 5: bicubic resampling as matrices ----------

def cubic(x, a):
    x = np.abs(x)
    return np.where(x < 1, (a + 2) * x**3 - (a + 3) * x**2 + 1,
                    np.where(x < 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.0))


def antialias_matrix(n_in, n_out, a=-0.5):
    s = n_in / n_out
    fs = max(s, 1.0)
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        c = (i + 0.5) * s
        j = np.arange(max(int(np.floor(c - 2 * fs + 0.5)), 0), min(int(np.floor(c + 2 * fs + 0.5)), n_in))
        wts = cubic((j - c + 0.5) / fs, a)
        m[i, j] = wts / wts.sum()
    return m


def plain_matrix(n_in, n_out, a=-0.75):
    s = n_in / n_out
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        x = (i + 0.5) * s - 0.5
        f = int(np.floor(x))
        for j in range(f - 1, f + 3):
            m[i, min(max(j, 0), n_in - 1)] += cubic(x - j, a)
    return m


def resample(img, out_h, out_w, antialias):
    """img [..., H, W]; width first, then height (both linear, so order only matters for rounding)."""
    make = antialias_matrix if antialias else plain_matrix
    mw = make(img.shape[-1], out_w)
    mh = make(img.shape[-2], out_h)
    t = np.einsum("...hw,ow->...ho", img, mw)
    return np.einsum("...hw,oh->...ow", t, mh)


# ---------- section 1: images in and out ----------

def make_lr(hr_u8, lr_size):
    """hr uint8 [H,W,3] -> LR uint8 [lr,lr,3]."""
    hr = hr_u8.transpose(2, 0, 1).astype(np.float64) / 255
    return np.round(np.clip(resample(hr, lr_size, lr_size, True), 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)


def make_up(lr_u8, hr_size):
    """LR uint8 [h,w,3] -> conditioning / bicubic baseline, uint8 [H,W,3]."""
    lr = lr_u8.transpose(2, 0, 1).astype(np.float64) / 255
    up = np.clip(resample(lr, hr_size, hr_size, False), 0, 1)
    return np.round(up * 255).astype(np.uint8).transpose(1, 2, 0)


def to_pm1(u8):
    return u8.transpose(2, 0, 1).astype(np.float32) / 255 * 2 - 1


def to_u8(pm1):
    return np.round(np.clip((pm1 + 1) / 2, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)


# ---------- section 2: the U-Net (numpy, only for the parity model) ----------

def swish(x):
    return x / (1 + np.exp(-x))


def conv(x, w, b=None, stride=1):
    """Conv with 'same' padding (k // 2), as a sum of k*k shifted matmuls."""
    k, p = w.shape[-1], w.shape[-1] // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    ho, wo = (x.shape[2] + 2 * p - k) // stride + 1, (x.shape[3] + 2 * p - k) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for i in range(k):
        for j in range(k):
            out += np.einsum("bchw,oc->bohw", xp[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride], w[:, :, i, j])
    return out if b is None else out + b[None, :, None, None]


class NumpyUNet:
    """Section 2's U-Net in float64 (slow; for the 32x32 parity model of the sampler fixture).
    Which layer sits where (attention, res_conv, down/upsample) is read from the state-dict names."""

    def __init__(self, path):
        self.w = {k: v.astype(np.float64) for k, v in read_safetensors(path).items()}
        self.groups = json.loads(read_safetensors(path, metadata=True)["config"])["norm_groups"]

    def norm(self, x, name):
        b, c, h, w = x.shape
        g = x.reshape(b, self.groups, -1)
        g = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)
        return g.reshape(b, c, h, w) * self.w[name + ".weight"][None, :, None, None] + self.w[name + ".bias"][None, :, None, None]

    def block(self, x, name):
        return conv(swish(self.norm(x, name + ".block.0")), self.w[name + ".block.3.weight"], self.w[name + ".block.3.bias"])

    def resnet(self, x, emb, name):
        h = self.block(x, name + ".block1")
        h = h + (emb @ self.w[name + ".noise_func.noise_func.0.weight"].T + self.w[name + ".noise_func.noise_func.0.bias"])[:, :, None, None]
        h = self.block(h, name + ".block2")
        if name + ".res_conv.weight" in self.w:
            x = conv(x, self.w[name + ".res_conv.weight"], self.w[name + ".res_conv.bias"])
        return h + x

    def attention(self, x, name):
        b, c, h, w = x.shape
        qkv = conv(self.norm(x, name + ".norm"), self.w[name + ".qkv.weight"]).reshape(b, 3 * c, h * w)
        q, k, v = qkv[:, :c], qkv[:, c:2 * c], qkv[:, 2 * c:]
        a = np.einsum("bci,bcj->bij", q, k) / np.sqrt(c)
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        o = np.einsum("bij,bcj->bci", a, v).reshape(b, c, h, w)
        return conv(o, self.w[name + ".out.weight"], self.w[name + ".out.bias"]) + x

    def resnet_attn(self, x, emb, name):
        x = self.resnet(x, emb, name + ".res_block")
        return self.attention(x, name + ".attn") if name + ".attn.qkv.weight" in self.w else x

    def layers(self, prefix):
        i = 0 if prefix == "ups" else 1  # downs.0 is the stem
        while f"{prefix}.{i}.conv.weight" in self.w or f"{prefix}.{i}.res_block.block1.block.0.weight" in self.w:
            yield f"{prefix}.{i}", f"{prefix}.{i}.conv.weight" in self.w
            i += 1

    def __call__(self, x, level):
        w = self.w
        x = x.astype(np.float64)
        half = w["downs.0.weight"].shape[0] // 2
        e = np.float64(level) * np.exp(-np.log(10000) * np.arange(half) / half)
        pe = np.concatenate([np.sin(e), np.cos(e)])[None]
        emb = swish(pe @ w["noise_level_mlp.1.weight"].T + w["noise_level_mlp.1.bias"])
        emb = emb @ w["noise_level_mlp.3.weight"].T + w["noise_level_mlp.3.bias"]
        x = conv(x, w["downs.0.weight"], w["downs.0.bias"])
        stack = [x]
        for name, is_resample in self.layers("downs"):
            x = conv(x, w[name + ".conv.weight"], w[name + ".conv.bias"], 2) if is_resample else self.resnet_attn(x, emb, name)
            stack.append(x)
        x = self.resnet_attn(self.resnet_attn(x, emb, "mid.0"), emb, "mid.1")
        for name, is_resample in self.layers("ups"):
            if is_resample:
                x = conv(x.repeat(2, 2).repeat(2, 3), w[name + ".conv.weight"], w[name + ".conv.bias"])
            else:
                x = self.resnet_attn(np.concatenate([x, stack.pop()], 1), emb, name)
        return self.block(x, "final_conv").astype(np.float32)


# ---------- section 3: sampling ----------

def default_betas(n):
    return np.linspace(1e-4, min(0.999, 20 / n), n)


def project(x0, lr, hr_h, hr_w):
    """x0, lr in [-1,1], [..., 3, H, W] / [..., 3, h, w]."""
    down = resample(x0.astype(np.float64), lr.shape[-2], lr.shape[-1], True)
    return np.clip(x0 + resample(lr - down, hr_h, hr_w, False), -1, 1).astype(np.float32)


def sample(eps_fn, cond, betas, y_n, noises, lr=None):
    """Algorithm 2. cond = up*2-1 [B,3,H,W]; noises(t) is the z of step t (t>1).
    Returns the last mean, unclipped (the caller clips)."""
    betas = np.asarray(betas, np.float64)
    n = len(betas)
    gammas = np.concatenate([[1.0], np.cumprod(1 - betas)])  # gammas[t] = gamma_t, gammas[0] = 1
    y = y_n.astype(np.float32)
    for t in range(n, 0, -1):
        g, gp, b = gammas[t], gammas[t - 1], betas[t - 1]
        eps = eps_fn(np.concatenate([cond, y], axis=1).astype(np.float32), np.float32(np.sqrt(g)))
        x0 = np.clip((y - np.sqrt(1 - g) * eps) / np.sqrt(g), -1, 1).astype(np.float32)
        if lr is not None:
            x0 = project(x0, lr, y.shape[-2], y.shape[-1])
        mean = np.sqrt(gp) * b / (1 - g) * x0 + np.sqrt(1 - b) * (1 - gp) / (1 - g) * y
        y = mean + (np.sqrt((1 - gp) * b / (1 - g)) * noises(t) if t > 1 else 0)
        y = y.astype(np.float32)
    return y


class SwiftNormals:
    """The noise stream of SR3Core's NormalRNG (xoshiro256** seeded by SplitMix64, Box-Muller,
    cos first), so `run --noise swift` can compare with `studygen upscale` pixel by pixel."""
    M = (1 << 64) - 1

    def __init__(self, seed):
        x, self.s = seed, []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & self.M
            z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & self.M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.M
            self.s.append(z ^ (z >> 31))

    def uniforms(self, n):
        s0, s1, s2, s3 = self.s
        M, out = self.M, np.empty(n, np.uint64)
        for i in range(n):
            r = (s1 * 5) & M
            out[i] = ((((r << 7) | (r >> 57)) & M) * 9) & M
            t = (s1 << 17) & M
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
            s3 = ((s3 << 45) | (s3 >> 19)) & M
        self.s = [s0, s1, s2, s3]
        return ((out >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53

    def normals(self, shape):
        n = int(np.prod(shape))
        assert n % 2 == 0
        u = self.uniforms(n).reshape(-1, 2)
        r, a = np.sqrt(-2 * np.log(u[:, 0])), 2 * np.pi * u[:, 1]
        return np.stack([r * np.cos(a), r * np.sin(a)], 1).reshape(shape).astype(np.float32)


def onnx_eps_fn(threads=2):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(ROOT, "bench", "sr3-tiny-unet-b1.onnx"), so,
                                providers=["CPUExecutionProvider"])
    return lambda x, level: sess.run(None, {"x": x, "noise_level": np.array([level], np.float32)})[0]


# ---------- metrics ----------

def psnr(a_u8, b_u8):
    mse = np.mean((a_u8.astype(np.float64) - b_u8.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def consistency(out_u8, lr_u8):
    """MSE x1e5 between output downsampled to the LR size and the LR, in [0,1]."""
    down = resample(out_u8.transpose(2, 0, 1) / 255, lr_u8.shape[0], lr_u8.shape[1], True)
    return np.mean((down - lr_u8.transpose(2, 0, 1) / 255) ** 2) * 1e5


# ---------- commands ----------

def check():
    r = read_safetensors(os.path.join(FIXTURES, "resample-io.safetensors"))
    errs = {
        "down16": np.abs(resample(r["hr"], 16, 16, True) - r["down16"]).max(),
        "lr_quantized": np.abs(np.round(np.clip(resample(r["hr"], 16, 16, True), 0, 1) * 255) / 255
                               - r["lr_quantized"]).max(),
        "odd_down_37x53": np.abs(resample(r["hr"], 37, 53, True) - r["odd_down_37x53"]).max(),
        "up128": np.abs(resample(r["lr_quantized"], 128, 128, False) - r["up128"]).max(),
        "odd_up_47x71": np.abs(resample(r["odd_up_src"], 47, 71, False) - r["odd_up_47x71"]).max(),
    }
    for k, v in errs.items():
        print(f"resample {k}: max abs err {v:.2e}")
    ort_ref = read_safetensors(os.path.join(FIXTURES, "sr3-tiny-ort-output.safetensors"))["output"]
    k = np.arange(6 * 128 * 128, dtype=np.float64)
    x = np.sin(0.0137 * k + 3 * np.cos(0.00071 * k)).astype(np.float32).reshape(1, 6, 128, 128)
    print(f"onnx vs sr3-tiny-ort-output: max abs err {np.abs(onnx_eps_fn()(x, 0.3) - ort_ref).max():.2e}")
    net = NumpyUNet(os.path.join(FIXTURES, "parity-model.safetensors"))
    p = read_safetensors(os.path.join(FIXTURES, "parity-io.safetensors"))
    err = max(np.abs(net(p["input"][b:b + 1], p["noise_level"][b]) - p["output"][b:b + 1]).max() for b in range(2))
    print(f"numpy U-Net vs parity-io: max abs err {err:.2e}")
    s = read_safetensors(os.path.join(FIXTURES, "sampler-io.safetensors"))
    for name, lr in (("out_plain", None), ("out_projected", s["lr"])):
        out = sample(net, s["cond_up"], s["betas"], s["y_N"], lambda t: s["z"][t - 2], lr)
        print(f"sampler {name}: max abs err {np.abs(out - s[name]).max():.2e}")


def run(args):
    images = sorted(f for f in os.listdir(args.images) if f.endswith(".png"))[:args.limit]
    os.makedirs(args.out, exist_ok=True)
    eps_fn = onnx_eps_fn(args.threads)
    betas = default_betas(args.steps)
    rows = []
    for name in images:
        hr = read_png(os.path.join(args.images, name))
        lr = make_lr(hr, 16)
        up = make_up(lr, hr.shape[0])
        stem = os.path.join(args.out, name[:-4])
        write_png(stem + "-lr.png", lr)
        row = {"image": name, "bicubic": (psnr(up, hr), consistency(up, lr))}
        for seed in args.seeds:
            t0 = time.time()
            shape = (1, 3) + hr.shape[:2]
            if args.noise == "swift":  # y_N, then z for t = N .. 2, from one stream
                rng = SwiftNormals(seed)
                y_n = rng.normals(shape)
                zs = {t: rng.normals(shape) for t in range(args.steps, 1, -1)}
            else:
                rng = np.random.default_rng(seed)
                y_n = rng.standard_normal(shape).astype(np.float32)
                z = rng.standard_normal((args.steps,) + shape).astype(np.float32)
                zs = {t: z[t - 2] for t in range(args.steps, 1, -1)}
            out = sample(eps_fn, to_pm1(up)[None], betas, y_n, lambda t: zs[t],
                         to_pm1(lr)[None] if args.projection else None)
            out = to_u8(np.clip(out[0], -1, 1))
            write_png(f"{stem}-ref-s{seed}.png", out)
            row[f"ref s{seed}"] = (psnr(out, hr), consistency(out, lr))
            if args.swift:
                path = f"{stem}-swift-s{seed}.png"
                cmd = [args.swift, "upscale", "--model", os.path.join(ROOT, "models", "sr3-tiny-16to128.safetensors"),
                       "--input", stem + "-lr.png", "--output", path, "--seed", str(seed), "--steps", str(args.steps)]
                subprocess.run(cmd + (["--projection"] if args.projection else []), check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                sw = read_png(path)
                row[f"swift s{seed}"] = (psnr(sw, hr), consistency(sw, lr))
                if args.noise == "swift":  # same noise: the two outputs should be (nearly) identical
                    row[f"ref~swift s{seed}"] = (psnr(sw, out), int(np.abs(sw.astype(int) - out).max()))
            print(name, {k: f"{v[0]:.2f}/{v[1]:.1f}" for k, v in row.items() if k != "image"},
                  f"({time.time() - t0:.0f} s)", flush=True)
        rows.append(row)
    print(f"\n{len(rows)} images from {args.images}, steps {args.steps}, projection {args.projection}")
    print("method        mean PSNR  mean consistency(x1e5)   (ref~swift: min PSNR, max |diff|)")
    for k in rows[0]:
        if k == "image":
            continue
        p, c = [r[k][0] for r in rows], [r[k][1] for r in rows]
        p, c = (min(p), max(c)) if k.startswith("ref~") else (np.mean(p), np.mean(c))
        print(f"{k:12s}  {p:8.2f}  {c:10.2f}")
    json.dump(rows, open(os.path.join(args.out, "results.json"), "w"), indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check")
    r = sub.add_parser("run")
    r.add_argument("--images", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--projection", action="store_true")
    r.add_argument("--seeds", type=int, nargs="+", default=[0])
    r.add_argument("--steps", type=int, default=100)
    r.add_argument("--limit", type=int, default=None)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--noise", choices=["numpy", "swift"], default="numpy",
                   help="swift: replay SR3Core's NormalRNG stream so outputs compare pixel by pixel")
    r.add_argument("--swift", default=None, help="studygen binary to compare with")
    a = p.parse_args()
    check() if a.cmd == "check" else run(a)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
