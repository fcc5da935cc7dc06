"""Synthetic livestock scenes: pigs in pens, on loading ramps and on truck decks, seen from above or at an angle.

Each scene is drawn from a seed, so a set is reproducible and training and evaluation never share one.
`variant="heldout"` adds a floor, a breed and a camera tilt range that training never sees.
"""
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .common import finish_photo

# Body colour, shade colour, and an optional pattern.
TRAIN_BREEDS = {
    "landrace": ((236, 190, 176), (205, 150, 140), None),
    "large_white": ((232, 222, 210), (196, 180, 170), None),
    "duroc": ((158, 86, 52), (118, 60, 36), None),
    "black": ((48, 42, 44), (28, 24, 26), None),
    "pietrain": ((228, 200, 186), (196, 164, 150), "spots"),
    "hampshire": ((40, 36, 38), (24, 20, 22), "belt"),
    # Domain randomisation: a coat of any colour, so the model keys on shape rather than on six coats.
    "any_colour": (None, None, None),
}
HELDOUT_BREEDS = {
    # Pink animals heavily soiled with mud: a colour mix no training scene has.
    "muddy": ((196, 150, 120), (120, 90, 70), "mud"),
}
TRAIN_FLOORS = ["concrete", "straw", "dirt", "truck_deck", "ramp", "tiles", "painted", "patterned"]
HELDOUT_FLOORS = ["rubber_mat"]


def _noise_texture(rng: np.random.Generator, w: int, h: int, base, spread: float, scale: int):
    small = rng.normal(0, spread, (max(2, h // scale), max(2, w // scale), 1))
    big = np.array(Image.fromarray(np.clip(small[:, :, 0] + 128, 0, 255).astype(np.uint8)).resize((w, h), Image.BILINEAR), dtype=np.float32) - 128
    fine = rng.normal(0, spread * 0.35, (h, w))
    img = np.array(base, dtype=np.float32)[None, None, :] + (big + fine)[:, :, None]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def draw_floor(rng: np.random.Generator, r: random.Random, kind: str, w: int, h: int) -> Image.Image:
    if kind == "concrete":
        g = r.randint(110, 190)
        img = _noise_texture(rng, w, h, (g, g, g - r.randint(0, 12)), 14, 24)
        d = ImageDraw.Draw(img)
        for _ in range(r.randint(0, 4)):  # cracks and drains
            x, y = r.randint(0, w), r.randint(0, h)
            d.line([(x, y), (x + r.randint(-80, 80), y + r.randint(-80, 80))], fill=(g - 50,) * 3, width=1)
        return img
    if kind == "straw":
        img = _noise_texture(rng, w, h, (r.randint(170, 210), r.randint(140, 175), r.randint(70, 100)), 16, 16)
        d = ImageDraw.Draw(img)
        for _ in range(w * h // 150):
            x, y, a = r.uniform(0, w), r.uniform(0, h), r.uniform(0, math.pi)
            n = r.uniform(4, 12)
            c = r.randint(150, 235)
            d.line([(x, y), (x + n * math.cos(a), y + n * math.sin(a))], fill=(c, int(c * 0.82), int(c * 0.42)), width=1)
        return img
    if kind == "dirt":
        return _noise_texture(rng, w, h, (r.randint(95, 140), r.randint(70, 100), r.randint(45, 70)), 22, 12)
    if kind == "truck_deck":
        g = r.randint(90, 170)
        img = _noise_texture(rng, w, h, (g, g + r.randint(-5, 5), g + r.randint(0, 15)), 10, 30)
        d = ImageDraw.Draw(img)
        step = r.randint(14, 30)
        vertical = r.random() < 0.5
        for i in range(0, (w if vertical else h), step):
            if vertical:
                d.line([(i, 0), (i, h)], fill=(g - 40,) * 3, width=2)
            else:
                d.line([(0, i), (w, i)], fill=(g - 40,) * 3, width=2)
        return img
    if kind == "ramp":
        img = _noise_texture(rng, w, h, (r.randint(120, 160), r.randint(100, 130), r.randint(80, 100)), 12, 20)
        d = ImageDraw.Draw(img)
        step = r.randint(10, 22)
        slope = r.uniform(-0.4, 0.4)
        for i in range(-h, w + h, step):
            d.line([(i, 0), (i + slope * h, h)], fill=(70, 60, 50), width=2)
        return img
    if kind == "tiles":
        base = tuple(r.randint(60, 220) for _ in range(3))
        img = _noise_texture(rng, w, h, base, 8, 16)
        d = ImageDraw.Draw(img)
        step = r.randint(20, 60)
        grout = tuple(max(0, c - r.randint(30, 70)) for c in base)
        for i in range(0, max(w, h), step):
            d.line([(i, 0), (i, h)], fill=grout, width=2)
            d.line([(0, i), (w, i)], fill=grout, width=2)
        return img
    if kind == "painted":
        return _noise_texture(rng, w, h, tuple(r.randint(30, 230) for _ in range(3)), r.uniform(8, 25), r.choice([6, 12, 24]))
    if kind == "patterned":  # domain randomisation: regular stripes, checks or dots in random colours
        base = tuple(r.randint(20, 220) for _ in range(3))
        ink = tuple(max(0, min(255, c + r.choice([-1, 1]) * r.randint(30, 90))) for c in base)
        img = _noise_texture(rng, w, h, base, 6, 12)
        d = ImageDraw.Draw(img)
        step = r.randint(6, 20)
        style = r.choice(["stripes", "checks", "dots"])
        for y in range(0, h, step):
            for x in range(0, w, step):
                if style == "dots":
                    d.ellipse([x, y, x + step * 0.3, y + step * 0.3], fill=ink)
                elif style == "checks" and ((x // step) + (y // step)) % 2 == 0:
                    d.rectangle([x, y, x + step - 1, y + step - 1], fill=ink)
            if style == "stripes":
                d.line([(0, y), (w, y)], fill=ink, width=max(1, step // 4))
        return img
    if kind == "rubber_mat":
        img = _noise_texture(rng, w, h, (r.randint(40, 70), r.randint(70, 100), r.randint(55, 80)), 8, 8)
        d = ImageDraw.Draw(img)
        for y in range(0, h, 12):
            for x in range((y // 12) % 2 * 6, w, 12):
                d.ellipse([x, y, x + 3, y + 3], fill=(30, 50, 40))
        return img
    raise ValueError(kind)


def draw_pig(r: random.Random, length: float, colours, squash: float, angle: float, light: float):
    """One animal, axis-aligned then rotated; returns an RGBA image and the body centre inside it."""
    body, shade, pattern = colours
    if body is None:
        body = tuple(r.randint(30, 240) for _ in range(3))
        shade = tuple(int(c * 0.72) for c in body)
    L = length
    W = L * r.uniform(0.42, 0.55)
    size = int(L * 1.9) + 4
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx, cy = size / 2, size / 2
    jitter = lambda c, k=12: tuple(max(0, min(255, v + r.randint(-k, k))) for v in c)
    body_c, shade_c = jitter(body), jitter(shade)
    # Head, ears and tail first; the body overlaps their roots.
    head_len, head_w = L * 0.32, W * 0.66
    hx = cx + L * 0.53
    d.ellipse([hx - head_len / 2, cy - head_w / 2, hx + head_len / 2, cy + head_w / 2], fill=shade_c + (255,))
    snout = L * 0.07
    d.ellipse([hx + head_len / 2 - snout, cy - snout * 0.8, hx + head_len / 2 + snout * 0.4, cy + snout * 0.8], fill=jitter(shade, 20) + (255,))
    for s in (-1, 1):
        ex = hx - head_len * 0.1
        d.polygon([(ex, cy + s * head_w * 0.25), (ex - L * 0.12, cy + s * head_w * 0.75), (ex + L * 0.05, cy + s * head_w * 0.55)], fill=shade_c + (255,))
    tx = cx - L * 0.5
    d.line([(tx, cy), (tx - L * 0.07, cy + r.uniform(-1, 1) * L * 0.05)], fill=shade_c + (255,), width=max(1, int(L * 0.025)))
    d.ellipse([cx - L / 2, cy - W / 2, cx + L / 2, cy + W / 2], fill=shade_c + (255,))
    # Lit top of the back: a lighter inner ellipse shifted towards the light.
    inset = 0.12
    off = light * W * 0.08
    d.ellipse([cx - L / 2 * (1 - inset), cy - W / 2 * (1 - inset * 1.8) + off, cx + L / 2 * (1 - inset), cy + W / 2 * (1 - inset * 1.8) + off], fill=body_c + (255,))
    if pattern == "spots":
        for _ in range(r.randint(2, 6)):
            px, py = cx + r.uniform(-0.4, 0.4) * L, cy + r.uniform(-0.3, 0.3) * W
            rr = r.uniform(0.06, 0.14) * L
            d.ellipse([px - rr, py - rr * 0.7, px + rr, py + rr * 0.7], fill=(50, 44, 46, 255))
    elif pattern == "belt":
        bx = cx + L * r.uniform(0.1, 0.25)
        d.rectangle([bx - L * 0.08, cy - W * 0.45, bx + L * 0.08, cy + W * 0.45], fill=(225, 218, 210, 255))
    elif pattern == "mud":
        for _ in range(r.randint(3, 8)):
            px, py = cx + r.uniform(-0.45, 0.45) * L, cy + r.uniform(-0.35, 0.35) * W
            rr = r.uniform(0.05, 0.18) * L
            d.ellipse([px - rr, py - rr * 0.6, px + rr, py + rr * 0.6], fill=(92, 68, 48, 230))
    layer = layer.filter(ImageFilter.GaussianBlur(radius=max(0.4, L * 0.012)))
    layer = layer.rotate(math.degrees(angle), resample=Image.BILINEAR, expand=True)
    if squash < 0.999:
        layer = layer.resize((layer.width, max(2, int(layer.height * squash))), Image.BILINEAR)
    return layer


def pig_scene(seed: int, width: int = 320, height: int = 240, count: int | None = None, variant: str = "train", meta: dict | None = None):
    """Returns (RGB image, [[x, y], ...] body centres). `meta`, when given, receives what the scene is made of."""
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    heldout = variant == "heldout"
    floors = HELDOUT_FLOORS + TRAIN_FLOORS if heldout else TRAIN_FLOORS
    breeds = dict(TRAIN_BREEDS, **HELDOUT_BREEDS) if heldout else TRAIN_BREEDS
    floor = floors[0] if heldout and r.random() < 0.5 else r.choice(TRAIN_FLOORS)
    floor_img = draw_floor(rng, r, floor, width, height).convert("RGBA")
    # Animals go on their own layer: feeders stand on the floor under them, rails are in front.
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))

    n = count if count is not None else r.choice([0, 1, 2] + list(range(3, 71)))
    area = width * height
    # Size so that n animals fit with some overlap; perspective shrinks the far (upper) ones.
    max_len = math.sqrt(1.1 * area / max(n, 1) / 0.5)
    length = min(120.0, max(12.0, max_len * r.uniform(0.55, 0.95)))
    tilt_lo, tilt_hi = (0.35, 0.6) if heldout and r.random() < 0.5 else (0.55, 1.0)
    squash = r.uniform(tilt_lo, tilt_hi)  # 1 = straight down, smaller = camera at an angle
    perspective = r.uniform(0.0, 0.5) * (1 - squash) / 0.45 if squash < 1 else 0.0
    herd = [list(breeds.keys())[i] for i in range(len(breeds))]
    main_breeds = r.sample(herd, k=min(len(herd), r.choice([1, 1, 2, 3])))
    if heldout and "muddy" in breeds and r.random() < 0.5:
        main_breeds = ["muddy"] + main_breeds[:1]
    light = r.uniform(-1, 1)
    heading = r.uniform(0, 2 * math.pi)
    aligned = r.random() < 0.4  # on ramps and in races animals face the same way

    points = []
    placed = []
    attempts = 0
    while len(points) < n and attempts < n * 60:
        attempts += 1
        x, y = r.uniform(0.02, 0.98) * width, r.uniform(0.02, 0.98) * height
        scale = 1 - perspective * (1 - y / height)
        Lp = length * scale * r.uniform(0.85, 1.15)
        min_d = Lp * 0.42
        if any((x - px) ** 2 + ((y - py) / squash) ** 2 < (min_d * max(1, (pl / Lp))) ** 2 * 0.5 for px, py, pl in placed):
            continue
        placed.append((x, y, Lp))
        points.append([x, y])
    # Far animals first, so nearer ones overlap them.
    order = sorted(range(len(placed)), key=lambda i: placed[i][1])
    shadow_dx, shadow_dy = r.uniform(-0.15, 0.15), r.uniform(0.02, 0.15)
    for i in order:
        x, y, Lp = placed[i]
        angle = heading + r.gauss(0, 0.25) if aligned else r.uniform(0, 2 * math.pi)
        pig = draw_pig(r, Lp, breeds[r.choice(main_breeds)], squash, angle, light)
        alpha = pig.getchannel("A")
        shadow = Image.new("RGBA", pig.size, (0, 0, 0, 0))
        shadow.putalpha(alpha.point(lambda a: int(a * 0.45)))
        shadow = shadow.filter(ImageFilter.GaussianBlur(radius=max(1, Lp * 0.06)))
        ox, oy = int(x - pig.width / 2), int(y - pig.height / 2)
        paste_clipped(img, shadow, ox + int(shadow_dx * Lp), oy + int(shadow_dy * Lp))
        paste_clipped(img, pig, ox, oy)

    # Pen rails and gates in front of the animals (occlusion), and feeders as distractors on the floor
    # (under the animals: an animal is never hidden whole by a feeder).
    rails = []
    for _ in range(r.choice([0, 0, 1, 2, 3])):
        c = r.randint(60, 200)
        wdt = r.randint(2, max(2, int(length * 0.12)))
        if r.random() < 0.5:
            yy = r.uniform(0, height)
            rails.append(([(0, yy), (width, yy + r.uniform(-20, 20))], c, wdt))
        else:
            xx = r.uniform(0, width)
            rails.append(([(xx, 0), (xx + r.uniform(-20, 20), height)], c, wdt))
    d = ImageDraw.Draw(floor_img)
    for _ in range(r.choice([0, 0, 1, 2])):
        fx, fy = r.uniform(0, width), r.uniform(0, height)
        fw, fh = r.uniform(0.3, 1.2) * length, r.uniform(0.2, 0.5) * length
        c = r.randint(80, 170)
        d.rectangle([fx, fy, fx + fw, fy + fh], fill=(c, c, c + 10), outline=(c - 40,) * 3)
    floor_img.alpha_composite(img)
    img = floor_img.convert("RGB")
    d = ImageDraw.Draw(img)
    for line, c, wdt in rails:
        d.line(line, fill=(c, c, c), width=wdt)
    img = finish_photo(r, rng, img)
    if meta is not None:
        meta.update(floor=floor, breeds=main_breeds, squash=round(squash, 2))
    return img, points


def paste_clipped(dst: Image.Image, src: Image.Image, ox: int, oy: int):
    """alpha_composite that accepts offsets outside the destination."""
    x0, y0 = max(0, ox), max(0, oy)
    x1, y1 = min(dst.width, ox + src.width), min(dst.height, oy + src.height)
    if x1 <= x0 or y1 <= y0:
        return
    dst.alpha_composite(src.crop((x0 - ox, y0 - oy, x1 - ox, y1 - oy)), (x0, y0))


def pig_walk(seed: int, frames: int = 60, width: int = 320, height: int = 240, animals: int | None = None, variant: str = "heldout"):
    """A clip of animals walking up a loading ramp (bottom to top) across a line at mid-height.

    Returns (list of RGB frames, list of per-frame [[x, y], ...] centres, number that crossed the line
    upwards, the line as ((x0, y0), (x1, y1))). Animals enter at different times and speeds, a few
    stop or turn back, so the count is not simply the number of animals.
    """
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    breeds = dict(TRAIN_BREEDS, **HELDOUT_BREEDS) if variant == "heldout" else TRAIN_BREEDS
    floor = draw_floor(rng, r, r.choice(["ramp", "truck_deck", "concrete"] + (HELDOUT_FLOORS if variant == "heldout" else [])), width, height)
    n = animals if animals is not None else r.randint(5, 14)
    length = r.uniform(34, 48)
    line_y = height * 0.5
    lanes = np.linspace(0.12, 0.88, max(2, min(n, 6)))
    herd = []
    for i in range(n):
        kind = r.choice(list(breeds))
        sprite = draw_pig(r, length * r.uniform(0.9, 1.1), breeds[kind], 1.0, -math.pi / 2 + r.gauss(0, 0.15), r.uniform(-1, 1))
        herd.append({
            "sprite": sprite,
            "x": float(lanes[i % len(lanes)] * width + r.uniform(-8, 8)),
            "y": height + length * 0.6 + (i // len(lanes)) * length * 1.3 + r.uniform(0, length),
            "speed": r.uniform(4.0, 8.0),
            # One in six turns back once it is past the line; one in eight stops before it.
            "turn_at": line_y - r.uniform(15, 40) if r.random() < 1 / 6 else None,
            "stop_at": line_y + r.uniform(25, 45) if r.random() < 1 / 8 else None,
            "dir": -1,
            "crossed": 0,
        })
    clip, centres = [], []
    for _ in range(frames):
        img = floor.copy().convert("RGBA")
        pts = []
        for a in herd:
            before = a["y"]
            if a["stop_at"] is not None and a["y"] <= a["stop_at"]:
                pass
            else:
                a["y"] += a["dir"] * a["speed"]
            if a["turn_at"] is not None and a["dir"] < 0 and a["y"] <= a["turn_at"]:
                a["dir"] = 1
            if before >= line_y > a["y"]:
                a["crossed"] += 1
            elif before < line_y <= a["y"]:
                a["crossed"] -= 1
            if -length < a["y"] < height + length:
                s = a["sprite"]
                paste_clipped(img, s, int(a["x"] - s.width / 2), int(a["y"] - s.height / 2))
                if 0 <= a["y"] < height:
                    pts.append([a["x"], a["y"]])
        clip.append(finish_photo(random.Random(seed * 1000), rng, img.convert("RGB"), blur_max=0.8, noise_max=5))
        centres.append(pts)
    net = sum(a["crossed"] for a in herd)
    return clip, centres, net, ((0.0, line_y), (float(width), line_y))
