"""Fixtures for `studygen import` (Tests/SR3CoreTests/Fixtures/torch-*): PyTorch checkpoints saved
the way the public SR3 trainer saves them, written by real torch so the Swift reader is checked
against the real format. The Swift tests read the committed files and need no Python.

Run once (torch only for this script, in its own venv; CI never needs it):

    python3 -m venv .venv-torch
    .venv-torch/bin/pip install torch numpy pillow      # the CPU wheel is enough
    .venv-torch/bin/python tools/make_torch_fixtures.py

Writes, into Tests/SR3CoreTests/Fixtures/:
  torch-sr3-small.json          the trainer's config format (JSON with // comments), a small U-Net
  torch-sr3-small.pth           torch.save(diffusion.state_dict()): `denoise_fn.` + the 12 schedule
                                buffers; some tensors float16 / bfloat16, one non-contiguous (a
                                permuted view), two sharing one storage at different offsets
  torch-sr3-small-nested.pth    {"ema": <that state dict, all float16>, "epoch": 3, "iter": 1000}
  torch-sr3-small-io.safetensors  input [1,6,16,16], noise_level [1], output = the PyTorch module's
                                output (weights as stored, float32 arithmetic), and the nested
                                file's output `output_nested`
  torch-sr3-small-sampling.safetensors  the public code's sampling loop over a 5-step val schedule
                                (SAMPLING_SCHEDULE) from the PIL-bicubic upsampled 4x4 `lr` (uint8
                                values as float, CHW), with `initial` y_N, `noises` (t = N ... 2) and
                                the final `output`
  torch-pil-bicubic.safetensors lr (uint8 values as float, 3x16x16 and 3x13x11) and PIL's bicubic
                                upsampling of it to 64x64 and 40x24 (`up`, `up_odd`)
  torch-malicious.pth           a zip whose data.pkl is GLOBAL posix.system + REDUCE
  torch-deflated.pth            a tiny checkpoint re-zipped with deflate
  torch-legacy.pth              a tiny checkpoint in the pre-1.6 format
The U-Net is built from docs/SR3-ARCHITECTURE.md section 2 (module names give the state-dict names).
"""
import json
import math
import os
import struct
import zipfile

import numpy as np
import torch
from torch import nn

SAMPLING_SCHEDULE = {"schedule": "linear", "n_timestep": 5, "linear_start": 1e-3, "linear_end": 0.5}
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SR3CoreTests", "Fixtures")

CONFIG_TEXT = """{
    "name": "sr_ffhq_small_fixture",
    "phase": "train", // train or val
    "gpu_ids": [0],
    "datasets": {
        "train": { "name": "FFHQ", "mode": "HR", "datatype": "img", "l_resolution": 4, "r_resolution": 16, "batch_size": 4 },
        "val": { "name": "CelebaHQ", "mode": "LRHR", "l_resolution": 4, "r_resolution": 16, "data_len": 50 } // like "datasets.val"
    },
    "model": {
        "which_model_G": "sr3", // use the ddpm or sr3 network structure
        "finetune_norm": false,
        "unet": {
            "in_channel": 6,
            "out_channel": 3,
            "inner_channel": 8,
            "norm_groups": 4,
            "channel_multiplier": [1, 2],
            "attn_res": [8],
            "res_blocks": 1,
            "dropout": 0.2
        },
        "beta_schedule": { // use munual beta_schedule for acceleration
            "train": { "schedule": "linear", "n_timestep": 2000, "linear_start": 1e-6, "linear_end": 1e-2 },
            "val": { "schedule": "linear", "n_timestep": 2000, "linear_start": 1e-6, "linear_end": 1e-2 }
        },
        "diffusion": { "image_size": 16, "channels": 3, "conditional": true }
    }
}
"""


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class PositionalEncoding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, level):
        h = self.dim // 2
        step = torch.arange(h, dtype=level.dtype) / h
        e = level.view(-1, 1) * torch.exp(-math.log(10000.0) * step.view(1, -1))
        return torch.cat([torch.sin(e), torch.cos(e)], dim=-1)


class FeatureWiseAffine(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.noise_func = nn.Sequential(nn.Linear(cin, cout))

    def forward(self, x, emb):
        return x + self.noise_func(emb).view(x.shape[0], -1, 1, 1)


class Block(nn.Module):
    def __init__(self, dim, dim_out, groups):
        super().__init__()
        self.block = nn.Sequential(nn.GroupNorm(groups, dim), Swish(), nn.Identity(), nn.Conv2d(dim, dim_out, 3, padding=1))

    def forward(self, x):
        return self.block(x)


class ResnetBlock(nn.Module):
    def __init__(self, dim, dim_out, emb, groups):
        super().__init__()
        self.noise_func = FeatureWiseAffine(emb, dim_out)
        self.block1 = Block(dim, dim_out, groups)
        self.block2 = Block(dim_out, dim_out, groups)
        self.res_conv = nn.Conv2d(dim, dim_out, 1) if dim != dim_out else nn.Identity()

    def forward(self, x, emb):
        h = self.noise_func(self.block1(x), emb)
        return self.block2(h) + self.res_conv(x)


class SelfAttention(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1, bias=False)
        self.out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).view(b, 3 * c, h * w).chunk(3, dim=1)
        a = torch.softmax(torch.einsum("bci,bcj->bij", q, k) / math.sqrt(c), dim=-1)
        o = torch.einsum("bij,bcj->bci", a, v).view(b, c, h, w)
        return self.out(o) + x


class ResnetBlocWithAttn(nn.Module):
    def __init__(self, dim, dim_out, emb, groups, with_attn):
        super().__init__()
        self.res_block = ResnetBlock(dim, dim_out, emb, groups)
        self.with_attn = with_attn
        if with_attn:
            self.attn = SelfAttention(dim_out, groups)

    def forward(self, x, emb):
        x = self.res_block(x, emb)
        return self.attn(x) if self.with_attn else x


class Downsample(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Conv2d(dim, dim, 3, 2, 1)

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Conv2d(dim, dim, 3, padding=1)

    def forward(self, x):
        return self.conv(self.up(x))


class UNet(nn.Module):
    def __init__(self, in_channel, out_channel, inner_channel, norm_groups, channel_mults, attn_res, res_blocks, image_size):
        super().__init__()
        c, g = inner_channel, norm_groups
        self.noise_level_mlp = nn.Sequential(PositionalEncoding(c), nn.Linear(c, 4 * c), Swish(), nn.Linear(4 * c, c))
        downs = [nn.Conv2d(in_channel, c, 3, padding=1)]
        feats, pre, res = [c], c, image_size
        last = len(channel_mults) - 1
        for i, m in enumerate(channel_mults):
            for _ in range(res_blocks):
                downs.append(ResnetBlocWithAttn(pre, c * m, c, g, res in attn_res))
                feats.append(c * m)
                pre = c * m
            if i != last:
                downs.append(Downsample(pre))
                feats.append(pre)
                res //= 2
        self.downs = nn.ModuleList(downs)
        self.mid = nn.ModuleList([ResnetBlocWithAttn(pre, pre, c, g, True), ResnetBlocWithAttn(pre, pre, c, g, False)])
        ups = []
        for i in reversed(range(len(channel_mults))):
            for _ in range(res_blocks + 1):
                ups.append(ResnetBlocWithAttn(pre + feats.pop(), c * channel_mults[i], c, g, res in attn_res))
                pre = c * channel_mults[i]
            if i != 0:
                ups.append(Upsample(pre))
                res *= 2
        self.ups = nn.ModuleList(ups)
        self.final_conv = Block(pre, out_channel, g)

    def forward(self, x, level):
        emb = self.noise_level_mlp(level)
        stack = []
        for layer in self.downs:
            x = layer(x, emb) if isinstance(layer, ResnetBlocWithAttn) else layer(x)
            stack.append(x)
        for layer in self.mid:
            x = layer(x, emb)
        for layer in self.ups:
            x = layer(torch.cat([x, stack.pop()], dim=1), emb) if isinstance(layer, ResnetBlocWithAttn) else layer(x)
        return self.final_conv(x)


class GaussianDiffusion(nn.Module):
    """Only what the trainer's state_dict holds: the network and the 12 schedule buffers."""

    def __init__(self, denoise_fn, schedule):
        super().__init__()
        self.denoise_fn = denoise_fn
        betas = np.linspace(schedule["linear_start"], schedule["linear_end"], schedule["n_timestep"], dtype=np.float64)
        alphas = 1.0 - betas
        alphas_cumprod = np.cumprod(alphas, axis=0)
        alphas_cumprod_prev = np.append(1.0, alphas_cumprod[:-1])
        f = lambda a: torch.tensor(a, dtype=torch.float32)
        posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        for name, value in [
            ("betas", betas), ("alphas_cumprod", alphas_cumprod), ("alphas_cumprod_prev", alphas_cumprod_prev),
            ("sqrt_alphas_cumprod", np.sqrt(alphas_cumprod)), ("sqrt_one_minus_alphas_cumprod", np.sqrt(1.0 - alphas_cumprod)),
            ("log_one_minus_alphas_cumprod", np.log(1.0 - alphas_cumprod)), ("sqrt_recip_alphas_cumprod", np.sqrt(1.0 / alphas_cumprod)),
            ("sqrt_recipm1_alphas_cumprod", np.sqrt(1.0 / alphas_cumprod - 1)), ("posterior_variance", posterior_variance),
            ("posterior_log_variance_clipped", np.log(np.maximum(posterior_variance, 1e-20))),
            ("posterior_mean_coef1", betas * np.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod)),
            ("posterior_mean_coef2", (1.0 - alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - alphas_cumprod)),
        ]:
            self.register_buffer(name, f(value))


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name], dtype="<f4")
        blob = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def strip_comments(text):
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def main():
    torch.manual_seed(10)
    config = json.loads(strip_comments(CONFIG_TEXT))
    u = config["model"]["unet"]
    unet = UNet(u["in_channel"], u["out_channel"], u["inner_channel"], u["norm_groups"], u["channel_multiplier"],
                u["attn_res"], u["res_blocks"], config["model"]["diffusion"]["image_size"])
    with torch.no_grad():
        for name, p in unet.named_parameters():
            if ".block.0." in name or ".norm." in name:  # GroupNorm affine: away from the 1 / 0 defaults
                p.add_(0.3 * torch.randn_like(p))
    half = ["noise_level_mlp.1.weight", "ups.0.res_block.block1.block.3.weight", "downs.1.res_block.noise_func.noise_func.0.bias"]
    bfloat = ["mid.0.attn.qkv.weight"]
    params = dict(unet.named_parameters())
    with torch.no_grad():
        for name in half:
            params[name].copy_(params[name].half().float())
        for name in bfloat:
            params[name].copy_(params[name].bfloat16().float())
    diffusion = GaussianDiffusion(unet, config["model"]["beta_schedule"]["train"])
    unet.eval()

    state = diffusion.state_dict()
    for name in half:
        state["denoise_fn." + name] = state["denoise_fn." + name].half()
    for name in bfloat:
        state["denoise_fn." + name] = state["denoise_fn." + name].bfloat16()
    stem = "denoise_fn.downs.0.weight"
    state[stem] = state[stem].permute(1, 0, 2, 3).contiguous().permute(1, 0, 2, 3)
    assert not state[stem].is_contiguous()
    a, b = "denoise_fn.downs.0.bias", "denoise_fn.final_conv.block.3.bias"
    shared = torch.cat([state[a], state[b]])
    state[a], state[b] = shared[: state[a].numel()], shared[state[a].numel():]
    torch.save(state, os.path.join(OUT, "torch-sr3-small.pth"))

    nested_state = {k: v.half() for k, v in diffusion.state_dict().items()}
    torch.save({"ema": nested_state, "epoch": 3, "iter": 1000}, os.path.join(OUT, "torch-sr3-small-nested.pth"))
    with open(os.path.join(OUT, "torch-sr3-small.json"), "w") as f:
        f.write(CONFIG_TEXT)

    x = torch.randn(1, 6, 16, 16)
    level = torch.tensor([0.7])
    with torch.no_grad():
        y = unet(x, level)
        nested = UNet(u["in_channel"], u["out_channel"], u["inner_channel"], u["norm_groups"], u["channel_multiplier"],
                      u["attn_res"], u["res_blocks"], config["model"]["diffusion"]["image_size"])
        nested.load_state_dict({k[len("denoise_fn."):]: v.float() for k, v in nested_state.items() if k.startswith("denoise_fn.")})
        y_nested = nested(x, level)
    write_safetensors(os.path.join(OUT, "torch-sr3-small-io.safetensors"),
                      {"input": x.numpy(), "noise_level": level.numpy(), "output": y.numpy(), "output_nested": y_nested.numpy()})

    from PIL import Image
    # The public code's sampling loop (p_sample_loop) with a 5-step val schedule, conditioned on the
    # PIL-bicubic upsampled uint8 LR, with fixed noises: the whole pipeline of an imported model.
    lr_small = np.random.default_rng(11).integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    sr = torch.tensor(np.asarray(Image.fromarray(lr_small).resize((16, 16), Image.BICUBIC)).transpose(2, 0, 1).astype(np.float32) / 255 * 2 - 1)[None]
    val = dict(SAMPLING_SCHEDULE)
    sampling = GaussianDiffusion(unet, val)
    steps = val["n_timestep"]
    sqrt_alphas_cumprod_prev = np.sqrt(np.append(1.0, np.cumprod(1 - np.linspace(val["linear_start"], val["linear_end"], steps))))
    img = torch.randn(1, 3, 16, 16)
    initial = img.clone()
    noises = []
    with torch.no_grad():
        for i in reversed(range(steps)):
            level = torch.tensor([sqrt_alphas_cumprod_prev[i + 1]], dtype=torch.float32)
            eps = unet(torch.cat([sr, img], dim=1), level)
            x_recon = (sampling.sqrt_recip_alphas_cumprod[i] * img - sampling.sqrt_recipm1_alphas_cumprod[i] * eps).clamp(-1, 1)
            mean = sampling.posterior_mean_coef1[i] * x_recon + sampling.posterior_mean_coef2[i] * img
            if i > 0:
                noise = torch.randn_like(img)
                noises.append(noise[0].numpy())
                img = mean + noise * (0.5 * sampling.posterior_log_variance_clipped[i]).exp()
            else:
                img = mean
    write_safetensors(os.path.join(OUT, "torch-sr3-small-sampling.safetensors"),
                      {"lr": lr_small.transpose(2, 0, 1).astype(np.float32), "initial": initial[0].numpy(),
                       "noises": np.stack(noises), "output": img[0].numpy()})

    rng = np.random.default_rng(10)
    lr = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
    lr_odd = rng.integers(0, 256, size=(13, 11, 3), dtype=np.uint8)
    up = np.asarray(Image.fromarray(lr).resize((64, 64), Image.BICUBIC))
    up_odd = np.asarray(Image.fromarray(lr_odd).resize((24, 40), Image.BICUBIC))
    chw = lambda a: a.transpose(2, 0, 1).astype(np.float32)
    write_safetensors(os.path.join(OUT, "torch-pil-bicubic.safetensors"),
                      {"lr": chw(lr), "up": chw(up), "lr_odd": chw(lr_odd), "up_odd": chw(up_odd)})

    with zipfile.ZipFile(os.path.join(OUT, "torch-malicious.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", b"\x80\x02cposix\nsystem\nX\x14\x00\x00\x00touch /tmp/sr3-pwned\x85R.")
        z.writestr("archive/byteorder", b"little")
        z.writestr("archive/version", b"3\n")
    tiny = {"w": torch.arange(4, dtype=torch.float32)}
    tiny_path = os.path.join(OUT, "tiny.tmp")
    torch.save(tiny, tiny_path)
    with zipfile.ZipFile(tiny_path) as src, zipfile.ZipFile(os.path.join(OUT, "torch-deflated.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    os.remove(tiny_path)
    torch.save(tiny, os.path.join(OUT, "torch-legacy.pth"), _use_new_zipfile_serialization=False)
    for name in sorted(os.listdir(OUT)):
        if name.startswith("torch-"):
            print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
