#!/usr/bin/env python3
"""Perturbed predictions for all 30 WORD label maps, as make_bench_case.py makes them.

    ../peers-venv/bin/python tools/make_word_predictions.py ../shared/data/word_labels bench-data/word30

Runs ../shared/peers/make_bench_case.py for each label map with its synthetic image
skipped (no smoothing, not saved): the random stream is consumed identically, so the
predictions are byte-for-byte those make_bench_case.py writes. Lays out
OUT/labelsTs/CASE.nii.gz (links to the real labels) and OUT/predictions/CASE.nii.gz.
"""
import os
import runpy
import shutil
import sys
import tempfile

import nibabel as nib
from scipy import ndimage

labels_dir, out = sys.argv[1], sys.argv[2]
script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peers", "make_bench_case.py")
os.makedirs(os.path.join(out, "labelsTs"), exist_ok=True)
os.makedirs(os.path.join(out, "predictions"), exist_ok=True)

real_save = nib.save
ndimage.gaussian_filter = lambda img, sigma: img  # the image is not kept
nib.save = lambda img, path: None if str(path).endswith("image.nii.gz") else real_save(img, path)

for name in sorted(os.listdir(labels_dir)):
    if not name.endswith(".nii.gz"):
        continue
    case = name[: -len(".nii.gz")]
    target = os.path.join(out, "predictions", name)
    if os.path.exists(target):
        continue
    tmp = tempfile.mkdtemp()
    sys.argv = ["make_bench_case.py", os.path.join(labels_dir, name), tmp]
    runpy.run_path(script, run_name="__main__")
    shutil.move(os.path.join(tmp, "prediction.nii.gz"), target)
    shutil.rmtree(tmp)
    link = os.path.join(out, "labelsTs", name)
    if not os.path.exists(link):
        os.symlink(os.path.abspath(os.path.join(labels_dir, name)), link)
    print("done", case, flush=True)
