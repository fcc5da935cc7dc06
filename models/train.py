"""Trains Watchpost's own models on synthetic data and exports them to ONNX.

    npm run models:train -- count [--images 6000 --extra 6000 --epochs 24] [--resume --seed0 N --lr 1e-3]
        [--walk CLIPS] [--average-with CHECKPOINT] [--scale 0.9-1.5] [--no-residual]
    npm run models:train -- count --real DIR [--from models/count.onnx] [--steps 400] [--synthetic 600] [--out FILE]

Each run trains on generated scenes (and, with --walk, frames of animals walking in file) and keeps the
epoch with the best validation error; models/README.md lists the rounds behind the committed model.

count: a small fully convolutional network that puts a peak on the body centre of every animal (a
CenterNet-style heatmap at 1/4 resolution). The exported graph also does the 3x3 peak suppression, so the
caller only thresholds: points are the peaks, the count is how many there are.

--real DIR fine-tunes a shipped model on the officers' corrections (DIR from `npm run models:dataset --
export DIR`) mixed with generated scenes: the ONNX file's weights (batch norms folded into the convolutions
by the export) are loaded into the same network without its batch norms, so no PyTorch checkpoint is needed.
"""
import hashlib
import json
import argparse
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synth.pigs import pig_scene, pig_walk  # noqa: E402
from synth.pigs3d import pig_scene_3d, pig_walk_3d  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
WIDTH, HEIGHT, STRIDE = 320, 240, 4
TRAIN_SEED0, VAL_SEED0, WALK_SEED0 = 1_000_000, 2_000_000, 1_500_000
# Renderer B (models/synth/pigs3d.py): its own training and validation seeds.
B_TRAIN_SEED0, B_VAL_SEED0, B_WALK_SEED0 = 3_000_000, 3_500_000, 3_800_000
WALK_FRAMES_KEPT = (5, 15, 25, 35, 45, 55)  # of each 60-frame clip: far enough apart to differ


def conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Residual(nn.Module):
    """Two 3x3 convolutions added to their input. The last batch norm starts at zero, so a residual block
    added to a trained network leaves what it computes unchanged until training moves it (how round 7
    grew round 6's network without starting over)."""

    def __init__(self, ch):
        super().__init__()
        self.body = nn.Sequential(conv(ch, ch), nn.Conv2d(ch, ch, 3, 1, 1, bias=False), nn.BatchNorm2d(ch))
        nn.init.zeros_(self.body[2].weight)

    def forward(self, x):
        return F.relu(x + self.body(x))


class CountNet(nn.Module):
    """Encoder to 1/32 (large animals close to the camera need the context), decoder back to 1/4.
    `residual=False` is the network of rounds 1-6 (0.5 M parameters), grown to 1.0 M for round 7."""

    def __init__(self, residual: bool = True):
        super().__init__()
        grow = Residual if residual else (lambda ch: nn.Identity())
        self.s4 = nn.Sequential(conv(3, 16, 2), conv(16, 32, 2), conv(32, 32))
        self.s8 = nn.Sequential(conv(32, 48, 2), conv(48, 48), grow(48))
        self.s16 = nn.Sequential(conv(48, 80, 2), conv(80, 80), grow(80))
        self.s32 = nn.Sequential(conv(80, 112, 2), conv(112, 112), grow(112))
        self.up16 = nn.Sequential(conv(112 + 80, 64), grow(64))
        self.up8 = nn.Sequential(conv(64 + 48, 40), grow(40))
        self.up4 = conv(40 + 32, 24)
        self.head = nn.Conv2d(24, 1, 1)
        self.head.bias.data.fill_(-2.2)  # start with "mostly background"

    def forward(self, x):
        x4 = self.s4(x)
        x8 = self.s8(x4)
        x16 = self.s16(x8)
        x32 = self.s32(x16)
        y = self.up16(torch.cat([F.interpolate(x32, size=x16.shape[2:], mode="nearest"), x16], 1))
        y = self.up8(torch.cat([F.interpolate(y, size=x8.shape[2:], mode="nearest"), x8], 1))
        y = self.up4(torch.cat([F.interpolate(y, size=x4.shape[2:], mode="nearest"), x4], 1))
        return self.head(y)  # logits, 1 x H/4 x W/4


class CountNetExport(nn.Module):
    """What ships: uint8-range RGB in (N,3,H,W) float, heatmap out, plus the peaks (non-peaks zeroed)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        heat = torch.sigmoid(self.net((image / 255.0 - 0.45) / 0.25))
        peaks = heat * (F.max_pool2d(heat, 3, 1, 1) == heat).float()
        return heat, peaks


def _render_scene(seed):
    img, pts = pig_scene(seed, WIDTH, HEIGHT, variant="train")
    return [(np.asarray(img, dtype=np.uint8), np.asarray(pts, dtype=np.float32).reshape(-1, 2))]


def _render_scene_b(seed):
    img, pts = pig_scene_3d(seed, WIDTH, HEIGHT)
    return [(np.asarray(img, dtype=np.uint8), np.asarray(pts, dtype=np.float32).reshape(-1, 2))]


def _render_walk(seed):
    clip, centres, _, _ = pig_walk(seed, frames=60, variant="train")
    return [(np.asarray(clip[k], dtype=np.uint8), np.asarray(centres[k], dtype=np.float32).reshape(-1, 2)) for k in WALK_FRAMES_KEPT]


def _render_walk_b(seed):
    clip, centres, _, _ = pig_walk_3d(seed, frames=WALK_FRAMES_KEPT[-1] + 1, render=set(WALK_FRAMES_KEPT))
    return [(np.asarray(clip[k], dtype=np.uint8), np.asarray(centres[k], dtype=np.float32).reshape(-1, 2)) for k in WALK_FRAMES_KEPT]


THREADS = max(1, os.cpu_count() or 1)  # --threads: leave cores to other work


def _generated(path: str, render, seeds: list[int], per_seed: int, label: str):
    """Pictures and their body centres from render(seed) for each seed (per_seed of them), on both cores,
    cached in models/.cache as one .npz."""
    if os.path.exists(path):
        z = np.load(path, allow_pickle=True)
        return z["images"], list(z["points"])
    os.makedirs(CACHE, exist_ok=True)
    images = np.zeros((len(seeds) * per_seed, HEIGHT, WIDTH, 3), dtype=np.uint8)
    points = []
    t0 = time.time()
    with mp.Pool(THREADS) as pool:
        for i, pictures in enumerate(pool.imap(render, seeds, chunksize=4)):
            for img, pts in pictures:
                images[len(points)] = img
                points.append(pts)
            if (i + 1) % 500 == 0 or i + 1 == len(seeds):
                rate = (i + 1) / (time.time() - t0)
                print(f"[{label}] generated {i + 1}/{len(seeds)} ({rate:.1f}/s, {(len(seeds) - i - 1) / rate:.0f} s left)", flush=True)
    obj = np.empty(len(points), dtype=object)
    obj[:] = points
    np.savez(path, images=images, points=obj)
    return images, points


def dataset(seed0: int, n: int, name: str, renderer: str = "a"):
    """n generated scenes (name: count-train or count-val), by renderer A (models/synth/pigs.py) or B (pigs3d.py)."""
    if renderer == "b":
        return _generated(os.path.join(CACHE, f"{name}-b-{seed0}-{n}.npz"), _render_scene_b, list(range(seed0, seed0 + n)), 1, f"{name} (renderer B)")
    return _generated(os.path.join(CACHE, f"{name}-{seed0}-{n}.npz"), _render_scene, list(range(seed0, seed0 + n)), 1, name)


def walk_dataset(seed0: int, clips: int, renderer: str = "a"):
    """Frames of animals walking in file up a ramp (the line-crossing case: queues nose to tail), several per clip."""
    if renderer == "b":
        return _generated(os.path.join(CACHE, f"count-walk-b-{seed0}-{clips}.npz"), _render_walk_b, list(range(seed0, seed0 + clips)), len(WALK_FRAMES_KEPT), "walk clips (renderer B)")
    return _generated(os.path.join(CACHE, f"count-walk-{seed0}-{clips}.npz"), _render_walk, list(range(seed0, seed0 + clips)), len(WALK_FRAMES_KEPT), "walk clips")


def heat_target(points: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = height // STRIDE, width // STRIDE
    t = np.zeros((h, w), dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for x, y in points:
        if not (0 <= x < width and 0 <= y < height):
            continue
        cx, cy = min(w - 1, int(x / STRIDE)), min(h - 1, int(y / STRIDE))
        g = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 1.0**2))
        np.maximum(t, g, out=t)
        t[cy, cx] = 1.0
    return t


def augment(image: np.ndarray, pts: np.ndarray, crop: tuple[int, int], rng: np.random.Generator, scale=(0.8, 1.25)):
    """A random crop (the net is fully convolutional: smaller pictures train faster), flips, and colour
    changes (channel gains, swapped channels, grey) so that unseen floors and coats are not a surprise."""
    cw, ch = crop
    HEIGHT, WIDTH = image.shape[:2]  # generated scenes are 320x240; real frames as the platform scales them
    # Scale and squash (a steeper camera makes animals look shorter from front to back).
    sx = rng.uniform(*scale)
    sy = sx * rng.uniform(0.5, 1.0)
    sw, sh = min(WIDTH, int(round(cw / sx))), min(HEIGHT, int(round(ch / sy)))
    x0 = int(rng.integers(0, WIDTH - sw + 1))
    y0 = int(rng.integers(0, HEIGHT - sh + 1))
    window = Image.fromarray(image[y0:y0 + sh, x0:x0 + sw]).resize((cw, ch), Image.BILINEAR)
    if rng.random() < 0.3:  # mud and dirt patches anywhere, over animals too
        d = ImageDraw.Draw(window, "RGBA")
        for _ in range(int(rng.integers(1, 6))):
            cx, cy, rr = rng.uniform(0, cw), rng.uniform(0, ch), rng.uniform(3, 14)
            d.ellipse([cx - rr, cy - rr * 0.6, cx + rr, cy + rr * 0.6], fill=(int(rng.integers(60, 120)), int(rng.integers(45, 90)), int(rng.integers(30, 60)), int(rng.integers(120, 230))))
    img = np.asarray(window, dtype=np.float32)
    p = (pts - np.array([x0, y0], dtype=np.float32)) * np.array([cw / sw, ch / sh], dtype=np.float32) if len(pts) else pts
    if rng.random() < 0.5:
        img = img[:, ::-1]
        p = p.copy()
        if len(p):
            p[:, 0] = cw - 1 - p[:, 0]
    if rng.random() < 0.5:
        img = img[::-1]
        p = p.copy()
        if len(p):
            p[:, 1] = ch - 1 - p[:, 1]
    u = rng.random()
    if u < 0.15:
        img = img[:, :, rng.permutation(3)]
    elif u < 0.25:
        img = np.repeat(img.mean(axis=2, keepdims=True), 3, axis=2)
    elif u < 0.45:
        # Any colour mix: floors and coats of colours no scene had (each output channel a random blend).
        mix = np.eye(3) * rng.uniform(0.3, 1.0) + rng.uniform(0.0, 0.5, (3, 3))
        img = img @ (mix / mix.sum(axis=1, keepdims=True)).T.astype(np.float32)
    if rng.random() < 0.3:  # contrast and gamma: flat, hazy or harsh light
        mean = img.mean()
        img = (img - mean) * rng.uniform(0.6, 1.3) + mean
        img = 255.0 * (np.clip(img, 0, 255) / 255.0) ** rng.uniform(0.7, 1.4)
    img = img * rng.uniform(0.85, 1.15, 3)[None, None, :] * rng.uniform(0.45, 1.3)
    return np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8)), heat_target(p, cw, ch)


def focal_loss(logits, target):
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p**2 * (1 - target) ** 4 * neg
    n = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / n


def load_checkpoint(path: str) -> dict:
    state = torch.load(path)
    # Checkpoints from before the residual blocks name the decoder's convolutions without a ".0".
    return {(k.replace(".", ".0.", 1) if k.split(".")[0] in ("up16", "up8") and k.count(".") == 2 else k): v for k, v in state.items()}


def count_peaks(heat: torch.Tensor, threshold: float) -> list[int]:
    peaks = heat * (F.max_pool2d(heat, 3, 1, 1) == heat).float()
    return [int((p > threshold).sum()) for p in peaks]


def fold_batch_norms(net: nn.Module) -> list[nn.Conv2d]:
    """The network as the ONNX export computes it: every batch norm gone (folded into the convolution before
    it, which gets a bias). Returns the convolutions in the order the exported graph runs them."""
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.BatchNorm2d):
                setattr(parent, name, nn.Identity())
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    for c in convs:
        if c.bias is None:
            c.bias = nn.Parameter(torch.zeros(c.out_channels))
    return convs


def load_onnx_count_model(path: str) -> nn.Module:
    """A CountNet without batch norms carrying the weights of a shipped ONNX model (models/count.onnx)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    # Only an export of CountNet in eval mode (batch norms folded into the convolutions) loads exactly.
    unexpected = sorted({n.op_type for n in model.graph.node} - {"Conv", "Relu", "Add", "Concat", "Resize", "Sigmoid", "MaxPool", "Equal", "Cast", "Mul", "Div", "Sub", "Constant", "Shape", "Gather", "Unsqueeze", "Slice"})
    if unexpected:
        raise SystemExit(f"{path}: not a CountNet export with folded batch norms (it has {', '.join(unexpected)})")
    nodes = [n for n in model.graph.node if n.op_type == "Conv"]
    if any(name not in weights for n in nodes for name in n.input[1:]):
        raise SystemExit(f"{path}: convolution weights are not stored as initializers")
    net = CountNet(residual=True)
    convs = fold_batch_norms(net)
    if len(nodes) != len(convs):
        raise SystemExit(f"{path}: {len(nodes)} convolutions, CountNet has {len(convs)}")
    with torch.no_grad():
        for conv, node in zip(convs, nodes):
            w = weights[node.input[1]]
            b = weights[node.input[2]] if len(node.input) > 2 else np.zeros(w.shape[0], dtype=np.float32)
            if tuple(w.shape) != tuple(conv.weight.shape):
                raise SystemExit(f"{path}: convolution {node.name} is {w.shape}, CountNet expects {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(w.copy()))
            conv.bias.copy_(torch.from_numpy(b.copy()))
    return net


def real_count_samples(folder: str):
    """The counting samples of an export (pictures scaled as the platform feeds the model: 320 on the long side)."""
    meta = json.load(open(os.path.join(folder, "dataset.json")))
    if meta.get("format") != "watchpost-samples/1":
        raise SystemExit(f"{folder}: not a Watchpost samples export (format {meta.get('format')})")
    images, points, ids = [], [], []
    groups = []
    with open(os.path.join(folder, "samples.jsonl")) as f:
        for line in f:
            s = json.loads(line)
            if s["task"] != "count" or not s.get("image"):
                continue
            img = Image.open(os.path.join(folder, s["image"])).convert("RGB")
            k = WIDTH / max(img.width, img.height)
            img = img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))), Image.BILINEAR)
            images.append(np.asarray(img, dtype=np.uint8))
            points.append(np.asarray(s["label"]["points"], dtype=np.float32).reshape(-1, 2) * k)
            ids.append(s["id"])
            # Frames of one camera seconds apart are near-duplicates: they are kept aside together.
            groups.append(s.get("cameraId") or s["id"])
    return images, points, groups


@torch.no_grad()
def evaluate_each(net, images, points, threshold):
    """MAE and MAPE (5-60) over pictures of any size, one at a time."""
    net.eval()
    errs, pct = [], []
    for img, p in zip(images, points):
        x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float()
        c = count_peaks(torch.sigmoid(net((x / 255.0 - 0.45) / 0.25)), threshold)[0]
        errs.append(abs(c - len(p)))
        if 5 <= len(p) <= 60:
            pct.append(abs(c - len(p)) / len(p) * 100)
    return (float(np.mean(errs)) if errs else float("nan")), (float(np.mean(pct)) if pct else float("nan"))


def fine_tune_real(a):
    """Fine-tunes a shipped model on the officers' corrections, half of every batch generated scenes (so it
    does not forget what it knew), and exports the result as a candidate ONNX file."""
    torch.set_num_threads(THREADS)
    torch.manual_seed(7)
    if a.real:
        images, points, ids = real_count_samples(a.real)
        if not images:
            raise SystemExit(f"{a.real}: no counting samples to learn from")
        # The samples of every fifth camera (by its id, so the split is the same each run) are kept aside to
        # judge the result; with fewer than five cameras, every fifth sample (optimistic: near-duplicates).
        key = ids if len(set(ids)) >= 5 else [f"{g}:{i}" for i, g in enumerate(ids)]
        if len(set(ids)) < 5:
            print(f"samples from {len(set(ids))} cameras: kept aside by sample, not by camera (optimistic)", flush=True)
        held = [i for i, s in enumerate(key) if int(hashlib.sha256(s.encode()).hexdigest(), 16) % 5 == 0]
        if len(images) < 5 or not held:
            held = list(range(len(images)))
            print(f"only {len(images)} counting samples: judged on the samples it learns from (optimistic)", flush=True)
        train_idx = [i for i in range(len(images)) if i not in held or len(held) == len(images)]
        val_real = ([images[i] for i in held], [points[i] for i in held])
    else:  # --mix-b N: renderer B's scenes play the part of the new data, its own validation seeds judge it
        images, points = dataset(B_TRAIN_SEED0, a.mix_b, "count-train", "b")
        images, points = list(images), list(points)
        if a.walk_b:
            more, more_points = walk_dataset(B_WALK_SEED0, a.walk_b, "b")
            images, points = images + list(more), points + list(more_points)
        train_idx = list(range(len(images)))
        held = []
        vb, vbp = dataset(B_VAL_SEED0, a.synthetic_val, "count-val", "b")
        val_real = (list(vb), list(vbp))
    synth_images, synth_points = dataset(a.seed0, a.synthetic, "count-train")
    val_images, val_points = dataset(VAL_SEED0, a.synthetic_val, "count-val")
    net = load_onnx_count_model(a.start)
    print(f"starting from {a.start}: {len(train_idx)} real samples to learn from, {len(held)} kept aside, {len(synth_images)} generated scenes mixed in", flush=True)
    before = (evaluate_each(net, *val_real, a.threshold), evaluate(net, val_images, val_points, a.threshold))
    print(f"before: {'real' if a.real else 'renderer B'} MAE {before[0][0]:.2f} MAPE {before[0][1]:.1f}%, generated MAE {before[1][0]:.2f} MAPE {before[1][1]:.1f}%", flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    # --decay: the rate falls along a cosine to a tenth of --lr by the last step (long runs settle instead of wandering)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, k / a.steps)))) if a.decay else None
    rng = np.random.default_rng(11)
    half = max(1, a.batch // 2)
    # --small-herd-weight E: a picture of n animals is drawn in proportion to max(n, 5)^-E, so small herds,
    # where one animal missed is 10-20 % and which uniform counts seldom give, are seen more often.
    weights = np.array([max(len(points[i]), 5) ** -a.small_herd_weight for i in train_idx], dtype=np.float64)
    weights /= weights.sum()
    t0 = time.time()
    for step in range(a.steps):
        net.train()
        picks = [(images[i], points[i]) for i in rng.choice(train_idx, half, p=weights)] + [(synth_images[i], synth_points[i]) for i in rng.integers(0, len(synth_images), a.batch - half)]
        crops, targets = zip(*(augment(img, pts, a.crop, rng, a.scale) for img, pts in picks))
        x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float()
        loss = focal_loss(net((x / 255.0 - 0.45) / 0.25), torch.from_numpy(np.stack(targets))[:, None])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if schedule:
            schedule.step()
        if (step + 1) % 50 == 0 or step + 1 == a.steps:
            print(f"step {step + 1}/{a.steps} loss {loss.item():.3f} ({(time.time() - t0) / (step + 1) * (a.steps - step - 1) / 60:.1f} min left)", flush=True)
    after = (evaluate_each(net, *val_real, a.threshold), evaluate(net, val_images, val_points, a.threshold))
    print(f"after: {'real' if a.real else 'renderer B'} MAE {after[0][0]:.2f} MAPE {after[0][1]:.1f}%, generated MAE {after[1][0]:.2f} MAPE {after[1][1]:.1f}%", flush=True)
    out = a.out or os.path.join(HERE, "versions", f"count-real-{time.strftime('%Y%m%d-%H%M')}.onnx")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    export(net, out)
    digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
    card = {
        "id": os.path.splitext(os.path.basename(out))[0],
        "file": os.path.relpath(out, HERE),
        "sha256": digest,
        "parameters": f"{sum(p.numel() for p in net.parameters()) / 1e6:.1f} M",
        "trained": f"{os.path.basename(a.start)} fine-tuned {a.steps} steps on {len(train_idx)} {'officers corrections' if a.real else 'renderer B scenes (seeds 3,000,000+)'} mixed with {len(synth_images)} renderer A scenes",
        "heldOutMape": round(after[1][1], 2),
        "secondHeldOutMape": None,
        "lineCrossing": None,
        "chosenBy": f"{'real samples kept aside' if a.real else 'renderer B validation'}: MAE {before[0][0]:.2f} -> {after[0][0]:.2f}",
    }
    print(f"exported {out} (sha256 {digest}); score it with npm run models:eval -- --real DIR --count-model {out}, and list it in models/versions.json to make it selectable:", flush=True)
    print(json.dumps(card, indent=2), flush=True)


def train_count(a):
    if a.real or a.mix_b:
        return fine_tune_real(a)
    torch.set_num_threads(THREADS)
    torch.manual_seed(7)
    b = a.renderer == "b"
    val_images, val_points = dataset(B_VAL_SEED0 if b else VAL_SEED0, 300, "count-val", a.renderer)
    net = CountNet(residual=not a.no_residual)
    checkpoint = os.path.join(CACHE, "count-best-b.pt" if a.renderer == "b" else "count-best.pt")
    if a.resume:
        state = load_checkpoint(checkpoint)
        if a.average_with:
            # A "model soup": the mean of two rounds' weights generalised better than either (round 9).
            other = load_checkpoint(a.average_with)
            state = {k: (v.float() * 0.5 + other[k].float() * 0.5).to(v.dtype) if v.is_floating_point() else v for k, v in state.items()}
            print(f"averaged with {a.average_with}", flush=True)
        missing, unexpected = net.load_state_dict(state, strict=False)
        if unexpected or any(".body." not in k for k in missing):
            raise SystemExit(f"{checkpoint} does not fit CountNet: missing {missing}, unexpected {unexpected}")
        grown = sorted({k.rsplit(".body.", 1)[0] for k in missing})
        print(f"continuing from {checkpoint}" + (f" (new residual blocks, starting as identity: {', '.join(grown)})" if grown else ""), flush=True)
    print(f"CountNet: {sum(p.numel() for p in net.parameters()) / 1e3:.0f}k parameters", flush=True)
    if a.epochs == 0:  # --resume --average-with X --epochs 0: the average itself is the model
        if not a.resume:
            raise SystemExit("--epochs 0 needs --resume")
        mae, mape = evaluate(net, val_images, val_points, a.threshold)
        print(f"validation MAE {mae:.2f}, MAPE (5-60) {mape:.1f}%", flush=True)
        torch.save(net.state_dict(), checkpoint)
        export(net, os.path.join(HERE, "count.onnx"))
        print("exported models/count.onnx", flush=True)
        return
    seed0 = B_TRAIN_SEED0 if b and a.seed0 == TRAIN_SEED0 else a.seed0
    images, points = dataset(seed0, a.images, "count-train", a.renderer)
    if a.extra:
        more, more_points = dataset(seed0 + a.images, a.extra, "count-train", a.renderer)
        images, points = np.concatenate([images, more]), points + more_points
    if a.walk:
        more, more_points = walk_dataset(WALK_SEED0, a.walk)
        images, points = np.concatenate([images, more]), points + more_points
    steps_per_epoch = math.ceil(len(images) / a.batch)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps_per_epoch, pct_start=0.15)
    rng = np.random.default_rng(11)
    best = None
    t0 = time.time()
    for epoch in range(a.epochs):
        net.train()
        order = rng.permutation(len(images))
        total = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * a.batch:(s + 1) * a.batch]
            crops, targets = zip(*(augment(images[i], points[i], a.crop, rng, a.scale) for i in idx))
            x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float()
            x = (x / 255.0 - 0.45) / 0.25
            target = torch.from_numpy(np.stack(targets))[:, None]
            loss = focal_loss(net(x), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            if (s + 1) % 50 == 0:
                done = epoch * steps_per_epoch + s + 1
                left = (time.time() - t0) / done * (a.epochs * steps_per_epoch - done)
                print(f"epoch {epoch + 1}/{a.epochs} step {s + 1}/{steps_per_epoch} loss {total / (s + 1):.3f} ({left / 60:.1f} min left)", flush=True)
        mae, mape = evaluate(net, val_images, val_points, a.threshold)
        print(f"epoch {epoch + 1}: train loss {total / steps_per_epoch:.3f}, validation MAE {mae:.2f}, MAPE (5-60) {mape:.1f}%", flush=True)
        if best is None or mae < best[0]:
            best = (mae, {k: v.clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[1])
    torch.save(best[1], checkpoint)
    torch.save(best[1], os.path.join(CACHE, f"count-after-{seed0}{'-b' if b else ''}{'-walk' if a.walk else ''}.pt"))  # for --average-with
    # A run on renderer B is an experiment, never the shipped model.
    out = a.out or (os.path.join(HERE, "versions", f"count-b-{time.strftime('%Y%m%d-%H%M')}.onnx") if b else os.path.join(HERE, "count.onnx"))
    export(net, out)
    print(f"best validation MAE {best[0]:.2f}; exported {out} in {(time.time() - t0) / 60:.1f} min", flush=True)


@torch.no_grad()
def evaluate(net, images, points, threshold):
    net.eval()
    errs, pct = [], []
    for s in range(0, len(images), 50):
        x = torch.from_numpy(images[s:s + 50]).permute(0, 3, 1, 2).float()
        counts = count_peaks(torch.sigmoid(net((x / 255.0 - 0.45) / 0.25)), threshold)
        for c, p in zip(counts, points[s:s + 50]):
            errs.append(abs(c - len(p)))
            if 5 <= len(p) <= 60:
                pct.append(abs(c - len(p)) / len(p) * 100)
    return float(np.mean(errs)), float(np.mean(pct))


def export(net, path):
    net.eval()
    model = CountNetExport(net)
    dummy = torch.zeros(1, 3, HEIGHT, WIDTH)
    torch.onnx.export(
        model, dummy, path, input_names=["image"], output_names=["heat", "peaks"], opset_version=13,
        dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}, "heat": {0: "batch", 2: "h4", 3: "w4"}, "peaks": {0: "batch", 2: "h4", 3: "w4"}},
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("task", choices=["count"])
    p.add_argument("--images", type=int, default=6000)
    p.add_argument("--epochs", type=int, default=24)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--threshold", type=float, default=0.35)
    p.add_argument("--resume", action="store_true", help="start from the last run's best weights (models/.cache/count-best.pt)")
    p.add_argument("--seed0", type=int, default=TRAIN_SEED0, help="first training scene seed")
    p.add_argument("--extra", type=int, default=6000, help="more scenes after the first --images (cached separately)")
    p.add_argument("--no-residual", action="store_true", help="the smaller network of rounds 1-6")
    p.add_argument("--average-with", help="with --resume: start from the mean of the last weights and these (a checkpoint in models/.cache)")
    p.add_argument("--walk", type=int, default=0, help="also train on frames of this many clips of animals walking in file (6 frames each)")
    p.add_argument("--scale", type=lambda v: tuple(float(x) for x in v.split("-")), default=(0.8, 1.25), help="zoom range of the crops, e.g. 0.9-1.5 for a model run at 384 pixels")
    p.add_argument("--crop", type=lambda v: tuple(int(x) for x in v.split("x")), default=(192, 144), help="training crop WxH, multiples of 32 wide")
    p.add_argument("--real", help="fine-tune on the officers' corrections in this folder (npm run models:dataset -- export DIR)")
    p.add_argument("--from", dest="start", default=os.path.join(HERE, "count.onnx"), help="with --real: the ONNX model to start from")
    p.add_argument("--steps", type=int, default=400, help="with --real: training steps")
    p.add_argument("--synthetic", type=int, default=600, help="with --real: generated scenes mixed in (half of every batch)")
    p.add_argument("--synthetic-val", type=int, default=300, help="with --real: generated scenes to check it did not forget")
    p.add_argument("--out", help="the ONNX file written (default: models/count.onnx; with --real or --mix-b models/versions/count-real-<time>.onnx)")
    p.add_argument("--renderer", choices=["a", "b"], default="a", help="which generator draws the training scenes (b: models/synth/pigs3d.py)")
    p.add_argument("--threads", type=int, default=0, help="cores to use (default: all)")
    p.add_argument("--decay", action="store_true", help="with --real or --mix-b: cosine decay of the rate to a tenth of --lr")
    p.add_argument("--walk-b", type=int, default=0, help="with --mix-b: also this many renderer B walking clips (6 frames each, seeds 3,800,000+)")
    p.add_argument("--small-herd-weight", type=float, default=0.0, help="with --real or --mix-b: draw a picture of n animals in proportion to max(n, 5)^-E")
    p.add_argument("--mix-b", type=int, default=0, help="instead of --real: fine-tune --from on this many renderer B scenes mixed with renderer A's")
    a = p.parse_args()
    global THREADS
    THREADS = a.threads or THREADS
    if (a.real or a.mix_b) and not any(x == "--lr" or x.startswith("--lr=") for x in sys.argv):
        a.lr = 3e-4  # fine-tuning: a tenth of training's rate
    train_count(a)


if __name__ == "__main__":
    main()
