"""Writes a generated image set with its ground truth, for `npm run models:eval` (and anyone curious).

    /usr/bin/python3 models/make_sets.py --out DIR --task count|plate|seal|crossing --n 200 --seed 9000000 [--variant heldout] [--renderer a|b|c]

DIR gets one JPEG per scene and labels.json: [{"file", "count", "points"} | {"file", "text", ...}];
for crossing, one folder of frames per clip: [{"clip", "frames": [...], "net", "line"}].
Seeds at or above 9,000,000 are reserved for evaluation; training uses 1,000,000-2,999,999.
`--renderer b` draws counting scenes and crossing clips with the second, independent renderer (models/synth/pigs3d.py);
`--renderer c` counting scenes with the third (models/synth/pigs_c.py), which no model is trained on.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synth.codes import plate_scene, seal_scene  # noqa: E402
from synth.pigs import pig_scene, pig_walk  # noqa: E402
from synth.pigs3d import pig_scene_3d, pig_walk_3d  # noqa: E402
from synth.pigs_c import pig_scene_c  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--task", choices=["count", "plate", "seal", "crossing"], required=True)
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seed", type=int, default=9_000_000)
    p.add_argument("--variant", default="heldout")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--max-count", type=int, default=60)
    p.add_argument("--renderer", choices=["a", "b", "c"], default="a")
    a = p.parse_args()
    if a.renderer == "c" and a.task != "count":
        p.error("renderer c draws counting scenes only")
    os.makedirs(a.out, exist_ok=True)
    labels = []
    for i in range(a.n):
        seed = a.seed + i
        name = f"{a.task}-{seed}.jpg"
        if a.task == "crossing":
            clip, _, net, line = pig_walk_3d(seed, frames=60) if a.renderer == "b" else pig_walk(seed, frames=60, variant=a.variant)
            folder = f"clip-{seed}"
            os.makedirs(os.path.join(a.out, folder), exist_ok=True)
            files = []
            for k, frame in enumerate(clip):
                files.append(f"{folder}/{k:03d}.jpg")
                frame.save(os.path.join(a.out, files[-1]), quality=90)
            labels.append({"clip": folder, "frames": files, "net": net, "line": line})
            if (i + 1) % 5 == 0 or i + 1 == a.n:
                print(f"generated {i + 1}/{a.n} clips", file=sys.stderr, flush=True)
            continue
        if a.task == "count":
            n = random.Random(seed * 7 + 1).randint(a.min_count, a.max_count)
            meta = {}
            if a.renderer == "b":
                img, points = pig_scene_3d(seed, 320, 240, count=n, meta=meta)
            elif a.renderer == "c":
                img, points = pig_scene_c(seed, 320, 240, count=n, meta=meta)
            else:
                img, points = pig_scene(seed, 320, 240, count=n, variant=a.variant, meta=meta)
            label = {"file": name, "count": len(points), "points": [[round(x, 1), round(y, 1)] for x, y in points], "scene": meta}
        elif a.task == "plate":
            img, truth = plate_scene(seed)
            label = {"file": name, **truth}
        else:
            img, truth = seal_scene(seed)
            label = {"file": name, **truth}
        img.save(os.path.join(a.out, name), quality=92)
        labels.append(label)
        if (i + 1) % 50 == 0 or i + 1 == a.n:
            print(f"generated {i + 1}/{a.n} {a.task} scenes", file=sys.stderr, flush=True)
    with open(os.path.join(a.out, "labels.json"), "w") as f:
        json.dump(labels, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
