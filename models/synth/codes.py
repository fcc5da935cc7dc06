"""Synthetic scenes with one licence plate on a vehicle, or one seal on a container door, for evaluation.

Plates: mainland China (blue; green new-energy), Guangdong cross-border for Hong Kong/Macau (black, 粤Z...港/澳),
Hong Kong (yellow rear / white front), generic Latin (white). Seals: bolt and cable seals with a printed serial.
Every scene is drawn from its seed; text is random, so no two sets share content.
"""
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .common import finish_photo

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
LATIN_FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
MAINLAND_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
HK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
DIGITS = "0123456789"


def plate_text(r: random.Random, kind: str):
    """Returns (printed text with separators, normalised text)."""
    alnum = MAINLAND_LETTERS + DIGITS * 3
    if kind == "mainland":
        prov, city = r.choice(PROVINCES), r.choice(MAINLAND_LETTERS)
        tail = "".join(r.choice(alnum if i < 2 else DIGITS * 2 + MAINLAND_LETTERS) for i in range(5))
        return f"{prov}{city}·{tail}", f"{prov}{city}{tail}"
    if kind == "new_energy":
        prov, city = r.choice(PROVINCES), r.choice(MAINLAND_LETTERS)
        tail = r.choice("DF") + r.choice(alnum) + "".join(r.choice(DIGITS) for _ in range(4))
        return f"{prov}{city}·{tail}", f"{prov}{city}{tail}"
    if kind == "cross_border":
        mid = "".join(r.choice(alnum) for _ in range(4))
        suffix = r.choice("港澳")
        return f"粤Z·{mid}{suffix}", f"粤Z{mid}{suffix}"
    if kind == "hong_kong":
        letters = "".join(r.choice(HK_LETTERS) for _ in range(r.choice([0, 1, 2, 2, 2])))
        digits = str(r.randint(1, 9)) + "".join(r.choice(DIGITS) for _ in range(r.choice([0, 1, 2, 3, 3, 3])))
        return (f"{letters} {digits}" if letters else digits), letters + digits
    if kind == "latin":
        if r.random() < 0.5:
            a = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
            b = "".join(r.choice(DIGITS) for _ in range(4))
        else:
            a = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + "".join(r.choice(DIGITS) for _ in range(2))
            b = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return f"{a} {b}", a + b
    raise ValueError(kind)


PLATE_STYLE = {
    # background, text colour, border
    "mainland": ((20, 60, 170), (245, 245, 245)),
    "new_energy": ((120, 200, 120), (20, 20, 20)),
    "cross_border": ((20, 20, 20), (240, 240, 240)),
    "hong_kong": (None, (15, 15, 15)),  # yellow or white
    "latin": ((238, 238, 232), (15, 15, 15)),
}


def _text_width(draw, text, fonts):
    return sum(draw.textlength(ch, font=fonts[1] if ord(ch) > 0x2e80 else fonts[0]) for ch in text)


def render_plate(r: random.Random, kind: str, printed: str, height: int) -> Image.Image:
    bg, fg = PLATE_STYLE[kind]
    if bg is None:
        bg = (245, 200, 30) if r.random() < 0.5 else (240, 240, 236)
    latin = ImageFont.truetype(r.choice(LATIN_FONTS), int(height * 0.72))
    cjk = ImageFont.truetype(CJK_FONT, int(height * 0.66))
    probe = ImageDraw.Draw(Image.new("RGB", (4, 4)))
    tw = _text_width(probe, printed, (latin, cjk))
    width = int(tw + height * 0.9)
    plate = Image.new("RGB", (width, height), bg)
    d = ImageDraw.Draw(plate)
    if kind == "new_energy":  # gradient from white-green to green
        for x in range(width):
            t = x / width
            d.line([(x, 0), (x, height)], fill=(int(235 - 120 * t), int(250 - 50 * t), int(235 - 120 * t)))
    d.rounded_rectangle([1, 1, width - 2, height - 2], radius=max(2, height // 8), outline=fg, width=max(1, height // 18))
    x = (width - tw) / 2
    for ch in printed:
        font = cjk if ord(ch) > 0x2e80 else latin
        top = height * (0.17 if font is cjk else 0.1)
        d.text((x, top), ch, font=font, fill=fg)
        x += d.textlength(ch, font=font)
    # Rivets, dirt
    for sx in (0.18, 0.82):
        d.ellipse([width * sx - 2, height * 0.12 - 2, width * sx + 2, height * 0.12 + 2], fill=(150, 150, 150))
    return plate


def _vehicle_background(rng, r, w, h):
    base = np.array([r.randint(40, 220) for _ in range(3)], dtype=np.float32)
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = base[None, None, :] * (0.75 + 0.4 * yy) + rng.normal(0, 6, (h, w, 3))
    img = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    # Grille, lights, bumper
    gy = int(h * r.uniform(0.25, 0.45))
    for i in range(r.randint(3, 8)):
        y = gy + i * r.randint(6, 12)
        d.line([(w * 0.25, y), (w * 0.75, y)], fill=(30, 30, 30), width=r.randint(2, 4))
    for sx in (0.12, 0.88):
        d.ellipse([w * sx - 40, gy - 20, w * sx + 40, gy + 25], fill=(230, 230, 200), outline=(60, 60, 60))
    d.rectangle([0, int(h * 0.8), w, h], fill=tuple(int(c * 0.5) for c in base))
    return img


DISTRACTORS = ["粤港物流", "冷链运输", "HK LOGISTICS", "小心驾驶", "NO 3", "KEEP DISTANCE", "生猪运输"]


def paste_warped(scene: Image.Image, patch: Image.Image, cx: float, cy: float, angle_deg: float, shear: float):
    patch = patch.convert("RGBA")
    if abs(shear) > 1e-3:
        w, h = patch.size
        extra = int(abs(shear) * h) + 1
        patch = patch.transform((w + extra, h), Image.AFFINE, (1, shear, -extra if shear > 0 else 0, 0, 1, 0), resample=Image.BICUBIC)
    patch = patch.rotate(angle_deg, resample=Image.BICUBIC, expand=True)
    scene.alpha_composite(patch, (int(cx - patch.width / 2), int(cy - patch.height / 2)))


def plate_scene(seed: int, width: int = 960, height: int = 540):
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    kind = r.choice(["mainland", "mainland", "new_energy", "cross_border", "cross_border", "hong_kong", "hong_kong", "latin"])
    printed, truth = plate_text(r, kind)
    scene = _vehicle_background(rng, r, width, height).convert("RGBA")
    if r.random() < 0.5:
        font = ImageFont.truetype(CJK_FONT, r.randint(18, 34))
        ImageDraw.Draw(scene).text((r.uniform(20, width * 0.5), r.uniform(10, height * 0.2)), r.choice(DISTRACTORS), font=font, fill=(250, 250, 250))
    plate = render_plate(r, kind, printed, r.randint(34, 64))
    cx, cy = r.uniform(0.3, 0.7) * width, r.uniform(0.55, 0.78) * height
    paste_warped(scene, plate, cx, cy, r.uniform(-6, 6), r.uniform(-0.15, 0.15))
    img = finish_photo(r, rng, scene.convert("RGB"), blur_max=1.2, noise_max=8)
    return img, {"text": truth, "kind": kind}


SEAL_COLOURS = [(230, 200, 20), (200, 30, 30), (30, 90, 200), (30, 150, 60), (240, 120, 20), (235, 235, 235)]


def seal_text(r: random.Random):
    prefix = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(r.choice([1, 2, 2, 2, 3, 4])))
    digits = "".join(r.choice(DIGITS) for _ in range(r.choice([6, 7, 7, 7, 8])))
    printed = f"{prefix} {digits}" if r.random() < 0.4 else f"{prefix}{digits}"
    return printed, prefix + digits


def seal_scene(seed: int, width: int = 960, height: int = 540):
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    printed, truth = seal_text(r)
    # Container door: corrugated steel
    base = np.array(r.choice([(150, 40, 30), (30, 70, 140), (120, 120, 120), (40, 110, 60), (190, 120, 40)]), dtype=np.float32)
    xx = np.arange(width, dtype=np.float32)[None, :, None]
    period = r.uniform(40, 70)
    shade = 0.8 + 0.25 * np.sign(np.sin(2 * np.pi * xx / period))
    img = base[None, None, :] * shade + rng.normal(0, 7, (height, width, 3))
    scene = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).convert("RGBA")
    d = ImageDraw.Draw(scene)
    # Locking bars and a handle
    for bx in (r.uniform(0.15, 0.35), r.uniform(0.65, 0.85)):
        d.rectangle([bx * width - 8, 0, bx * width + 8, height], fill=(90, 90, 90))
    if r.random() < 0.5:
        font = ImageFont.truetype(LATIN_FONTS[0], r.randint(16, 26))
        d.text((r.uniform(20, width * 0.4), r.uniform(10, height * 0.2)), r.choice(["MAX GROSS 30480 KG", "TARE 3750 KG", "CSC SAFETY APPROVAL", "45G1"]), font=font, fill=(240, 240, 240))
    # The seal body: a rounded plastic flag with the serial, and a cable or bolt through the hasp
    text_h = r.randint(22, 40)
    font = ImageFont.truetype(r.choice(LATIN_FONTS), text_h)
    probe = ImageDraw.Draw(Image.new("RGB", (4, 4)))
    tw = probe.textlength(printed, font=font)
    colour = r.choice(SEAL_COLOURS)
    body = Image.new("RGBA", (int(tw + text_h * 1.6), int(text_h * 2.0)), (0, 0, 0, 0))
    bd = ImageDraw.Draw(body)
    bd.rounded_rectangle([0, 0, body.width - 1, body.height - 1], radius=text_h // 2, fill=colour + (255,), outline=tuple(int(c * 0.6) for c in colour) + (255,), width=2)
    ink = (10, 10, 10) if sum(colour) > 300 else (245, 245, 245)
    bd.text((text_h * 0.8, text_h * 0.42), printed, font=font, fill=ink)
    cx, cy = r.uniform(0.3, 0.7) * width, r.uniform(0.35, 0.7) * height
    if r.random() < 0.5:  # cable going off the flag
        d.line([(cx - body.width / 2, cy), (cx - body.width / 2 - r.uniform(40, 120), cy + r.uniform(-80, 80))], fill=(170, 170, 175), width=4)
    else:  # bolt
        d.rectangle([cx - body.width / 2 - 30, cy - 6, cx - body.width / 2, cy + 6], fill=(180, 180, 185))
    paste_warped(scene, body, cx, cy, r.uniform(-8, 8), r.uniform(-0.12, 0.12))
    out = finish_photo(r, rng, scene.convert("RGB"), blur_max=1.1, noise_max=8)
    return out, {"text": truth}
