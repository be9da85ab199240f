#!/usr/bin/env bash
# Reference metrics for tests/metrics_oracle.rs, from ../shared/peers (run once, commit the JSON).
#   bash tests/oracle/make_metrics_oracle.sh ../peers-venv/bin/python
set -euo pipefail
py=${1:-../peers-venv/bin/python}
d=../shared/data
o=tests/oracle
$py ../shared/peers/metrics_oracle.py $d/ts_ct_small/reference.nii.gz $d/ts_ct_small/prediction.nii.gz --per-slice --indent 0 > $o/metrics_ts_ct_small.json
$py ../shared/peers/metrics_oracle.py $d/ts_ct_full/reference_float64.nii.gz $d/ts_ct_full/prediction.nii.gz --per-slice --indent 0 > $o/metrics_ts_ct_full.json
$py ../shared/peers/metrics_oracle.py $d/ts_ct_full/reference_float64.nii.gz $d/ts_ct_full/prediction_v2_total.nii.gz --per-slice --indent 0 > $o/metrics_ts_ct_full_v2.json
$py ../shared/peers/metrics_oracle.py $d/ts_mr_small/reference.nii.gz $d/ts_mr_small/prediction_old_numbering.nii.gz --per-slice --indent 0 > $o/metrics_ts_mr_small.json
# The full-size case: build it first with make_bench_case.py into bench-data/word_0014.
if [ -f bench-data/word_0014/reference.nii.gz ]; then
  $py ../shared/peers/metrics_oracle.py bench-data/word_0014/reference.nii.gz bench-data/word_0014/prediction.nii.gz --per-slice --indent 0 > $o/metrics_word_0014_bench.json
fi
$py $o/make_medpy_oracle.py $d > $o/medpy_small.json
