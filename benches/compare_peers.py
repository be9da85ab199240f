#!/usr/bin/env python3
"""Side-by-side load times: segscope vs nibabel vs SimpleITK on the same files.

    ../peers-venv/bin/python benches/compare_peers.py bench-data/word_0014

Times loading image + reference + prediction into memory arrays (median of 5),
runs segscope's own load benchmark in the same session, and prints ratios.
Also measures peak memory of `segscope info --case` with /usr/bin/time -v.
"""
import os
import re
import statistics
import subprocess
import sys
import time

import nibabel as nib
import numpy as np
import SimpleITK as sitk

case = sys.argv[1] if len(sys.argv) > 1 else "bench-data/word_0014"
files = [os.path.join(case, n) for n in ("image.nii.gz", "reference.nii.gz", "prediction.nii.gz")]
RUNS = 5


def median_time(fn):
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def nibabel_load():
    return [np.asanyarray(nib.load(f).dataobj) for f in files]


def sitk_load():
    return [sitk.GetArrayViewFromImage(sitk.ReadImage(f)) for f in files]


sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(os.cpu_count() or 1)
t_nib = median_time(nibabel_load)
t_sitk = median_time(sitk_load)
bench = subprocess.run(["cargo", "bench", "--quiet", "--bench", "load", "--", case], capture_output=True, text=True, check=True).stdout
m = re.search(r"all three\s+segscope\s+([\d.]+) ms\s+libdeflate raw inflate\s+([\d.]+) ms", bench)
t_seg, t_raw = float(m.group(1)) / 1e3, float(m.group(2)) / 1e3
print(bench.strip())
print(f"image + reference + prediction, median of {RUNS}:")
print(f"  segscope               {t_seg * 1e3:8.1f} ms")
print(f"  libdeflate raw inflate {t_raw * 1e3:8.1f} ms   segscope is {t_seg / t_raw:.2f}x")
print(f"  nibabel 5.4            {t_nib * 1e3:8.1f} ms   segscope is {t_nib / t_seg:.1f}x faster")
print(f"  SimpleITK 2.5          {t_sitk * 1e3:8.1f} ms   segscope is {t_sitk / t_seg:.1f}x faster")

native = sum(a.nbytes for a in nibabel_load())
binary = os.path.join("target", "release", "segscope")
if os.path.exists(binary):
    out = subprocess.run(["/usr/bin/time", "-v", binary, "info", "--case", files[0], "--reference", files[1],
                          "--prediction", files[2]], capture_output=True, text=True)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    print(f"peak memory of segscope info --case: {rss_kb / 1024:.1f} MiB for {native / 2**20:.1f} MiB of native voxels"
          f" ({rss_kb * 1024 / native:.2f}x)")
