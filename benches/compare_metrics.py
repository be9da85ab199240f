#!/usr/bin/env python3
"""Side-by-side metrics: segscope vs numpy bincount (Dice) and DeepMind
surface-distance (HD95 + ASSD + NSD) on the same full-size case, in one run.

    cargo build --release
    ../peers-venv/bin/python benches/compare_metrics.py bench-data/word_0014

Prints the times, the ratios, and the largest difference between segscope's
values and the peers' (Dice must be identical, distances within 1e-3 mm).
"""
import csv
import io
import re
import statistics
import subprocess
import sys
import time

import nibabel as nib
import numpy as np

if not hasattr(np, "Inf"):
    np.Inf = np.inf
if not hasattr(np, "NaN"):
    np.NaN = np.nan
import surface_distance as sd  # noqa: E402

case = sys.argv[1] if len(sys.argv) > 1 else "bench-data/word_0014"
ref_path, pred_path = f"{case}/reference.nii.gz", f"{case}/prediction.nii.gz"
gi = nib.load(ref_path)
gt = np.asanyarray(gi.dataobj).astype(np.uint8)
pr = np.asanyarray(nib.load(pred_path).dataobj).astype(np.uint8)
spacing = tuple(float(z) for z in gi.header.get_zooms()[:3])
labels = [int(l) for l in np.union1d(np.unique(gt), np.unique(pr)) if l != 0]


def bincount_dice():
    # The fastest numpy formulation we found here: a uint16 joint index (the oracle's
    # int64 version takes about 3x longer).
    k = int(max(gt.max(), pr.max())) + 1
    h = np.bincount((gt.astype(np.uint16) * k + pr).ravel(), minlength=k * k).reshape(k, k)
    out = {}
    for l in labels:
        g, p, tp = h[l, :].sum(), h[:, l].sum(), h[l, l]
        out[l] = 2.0 * tp / (g + p) if g + p else float("nan")
    return out


times = []
for _ in range(3):
    t = time.perf_counter()
    dice = bincount_dice()
    times.append(time.perf_counter() - t)
t_bincount = statistics.median(times)

t = time.perf_counter()
peer = {}
for l in labels:
    g, p = gt == l, pr == l
    if not g.any() or not p.any():
        continue
    d = sd.compute_surface_distances(g, p, spacing)
    hd95 = sd.compute_robust_hausdorff(d, 95)
    dg, dp, ag, ap = d["distances_gt_to_pred"], d["distances_pred_to_gt"], d["surfel_areas_gt"], d["surfel_areas_pred"]
    assd = (np.sum(dg * ag) + np.sum(dp * ap)) / (np.sum(ag) + np.sum(ap))
    peer[l] = (hd95, assd, sd.compute_surface_dice_at_tolerance(d, 1.0), sd.compute_surface_dice_at_tolerance(d, 2.0))
t_surface = time.perf_counter() - t

bench = subprocess.run(["cargo", "bench", "--quiet", "--bench", "metrics", "--", case], capture_output=True, text=True, check=True).stdout
t_overlap = float(re.search(r"overlap .*: ([\d.]+) ms", bench).group(1)) / 1e3
t_all = float(re.search(r"deepmind surfaces .*: ([\d.]+) ms", bench).group(1)) / 1e3
t_medpy = float(re.search(r"medpy surfaces .*: ([\d.]+) ms", bench).group(1)) / 1e3

out = subprocess.run(["target/release/segscope", "metrics", "--reference", ref_path, "--prediction", pred_path, "--csv", "-"],
                     capture_output=True, text=True, check=True).stdout
rows = {int(r["label_id"]): r for r in csv.DictReader(io.StringIO(out))}
dice_equal = all(float(rows[l]["dice"]) == dice[l] for l in labels)
worst = 0.0
for l, (hd95, assd, n1, n2) in peer.items():
    r = rows[l]
    worst = max(worst, abs(float(r["hd95_mm"]) - hd95), abs(float(r["assd_mm"]) - assd),
                abs(float(r["nsd_1mm"]) - n1), abs(float(r["nsd_2mm"]) - n2))

print(bench.strip())
print(f"{case}: {gt.shape}, {len(labels)} organs")
print(f"all-organ Dice:   numpy bincount {t_bincount * 1e3:8.1f} ms   segscope overlap pass {t_overlap * 1e3:6.1f} ms"
      f"   segscope is {t_bincount / t_overlap:5.1f}x faster (goal 25x)")
print(f"HD95+ASSD+NSD:    surface-distance {t_surface * 1e3:8.1f} ms   segscope all metrics {t_all * 1e3:6.1f} ms"
      f"   segscope is {t_surface / t_all:5.1f}x faster (goal 20x)")
print(f"                  segscope in MedPy mode {t_medpy * 1e3:6.1f} ms")
print(f"values: Dice identical to numpy: {dice_equal}; largest HD95/ASSD/NSD difference to surface-distance: {worst:.2e}")
