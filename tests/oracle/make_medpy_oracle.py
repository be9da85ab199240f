#!/usr/bin/env python3
"""MedPy 0.5.2 hd95 / assd / hd per label on the small real pairs (tests/metrics_oracle.rs)."""
import json
import os
import sys

import nibabel as nib
import numpy as np
from medpy.metric import binary

root = sys.argv[1]
pairs = {
    "ts_ct_small": ("ts_ct_small/reference.nii.gz", "ts_ct_small/prediction.nii.gz"),
    "ts_mr_small": ("ts_mr_small/reference.nii.gz", "ts_mr_small/prediction_old_numbering.nii.gz"),
}
out = {}
for name, (g, p) in pairs.items():
    gi = nib.load(os.path.join(root, g))
    gt = np.asanyarray(gi.dataobj).astype(np.int64)
    pr = np.asanyarray(nib.load(os.path.join(root, p)).dataobj).astype(np.int64)
    spacing = tuple(float(z) for z in gi.header.get_zooms()[:3])
    res = {}
    for lab in sorted(set(np.unique(gt)) | set(np.unique(pr))):
        if lab == 0:
            continue
        r, q = pr == lab, gt == lab
        if not r.any() or not q.any():
            continue
        res[str(int(lab))] = {
            "hd95": float(binary.hd95(r, q, voxelspacing=spacing)),
            "assd": float(binary.assd(r, q, voxelspacing=spacing)),
            "hd": float(binary.hd(r, q, voxelspacing=spacing)),
        }
    out[name] = res
json.dump(out, sys.stdout, indent=0, sort_keys=True)
print()
