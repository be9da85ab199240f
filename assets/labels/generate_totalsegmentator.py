#!/usr/bin/env python3
"""Regenerate the TotalSegmentator presets from the package's own class map.

    pip download --no-deps --no-binary :all: totalsegmentator==2.18.0
    tar xzf totalsegmentator-2.18.0.tar.gz
    python3 generate_totalsegmentator.py totalsegmentator-2.18.0/totalsegmentator/map_to_binary.py

TotalSegmentator is Apache-2.0 (wasserth/TotalSegmentator); the class names are its.
"""
import ast
import json
import sys

src = open(sys.argv[1]).read()
tree = ast.parse(src)
class_map = None
for node in tree.body:
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "class_map":
        class_map = ast.literal_eval(node.value)
        break
for key, out in (("total", "totalsegmentator_total.json"),
                 ("total_mr", "totalsegmentator_total_mr.json"),
                 ("total_v1", "totalsegmentator_total_v1.json")):
    doc = {
        "_meta": {"source": "TotalSegmentator 2.18.0 (PyPI sdist) totalsegmentator/map_to_binary.py",
                  "licence": "Apache-2.0", "class_map": key},
        "labels": {str(k): v for k, v in sorted(class_map[key].items())},
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
