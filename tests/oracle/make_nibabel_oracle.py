#!/usr/bin/env python3
"""Facts nibabel reports for every file in ../shared/data, for tests/real_files.rs.

    ../peers-venv/bin/python tests/oracle/make_nibabel_oracle.py ../shared/data > tests/oracle/nibabel_facts.json

Per file: shape, zooms, on-disk dtype, best affine, aff2axcodes, and either the
label ids with voxel counts (label maps) or the intensity range (images), plus the
world coordinates nibabel computes (affine @ [i, j, k, 1]) for a few voxels.
"""
import glob
import json
import os
import sys

import nibabel as nib
import numpy as np

root = sys.argv[1]
out = {}
for path in sorted(glob.glob(os.path.join(root, "**", "*.nii.gz"), recursive=True)):
    rel = os.path.relpath(path, root)
    img = nib.load(path)
    data = np.asanyarray(img.dataobj)
    shape = [int(s) for s in img.shape[:3]]
    probe = [[0, 0, 0], [shape[0] - 1, shape[1] - 1, shape[2] - 1], [shape[0] // 3, shape[1] // 2, shape[2] // 4], [1, shape[1] - 2, shape[2] // 2]]
    world = [list(map(float, (img.affine @ np.array(v + [1], float))[:3])) for v in probe]
    fact = {
        "shape": shape,
        "zooms": [float(z) for z in img.header.get_zooms()[:3]],
        "dtype": str(img.get_data_dtype()),
        "affine": img.affine.tolist(),
        "axcodes": "".join(nib.aff2axcodes(img.affine)),
        "probe_voxels": probe,
        "probe_world": world,
    }
    if os.path.basename(path).startswith("image"):
        fact["kind"] = "image"
        fact["min"] = float(np.nanmin(data))
        fact["max"] = float(np.nanmax(data))
    else:
        fact["kind"] = "labels"
        ids, counts = np.unique(data, return_counts=True)
        fact["labels"] = {str(int(i)): int(c) for i, c in zip(ids, counts) if i != 0}
    out[rel] = fact
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
