#!/usr/bin/env bash
# README screenshots: runs the viewer under Xvfb on the demo, on
# ../shared/data/ts_ct_small in each overlay mode, and on a dataset of the
# TotalSegmentator cases (linked into a temp folder in nnU-Net layout) in the
# browser and opened at its worst case; saves a PNG of each window.
#     tools/screenshots.sh [BINARY] [OUT_DIR]
# Needs xvfb, imagemagick (`import`) and xdotool. The pictures of real data are for
# looking at; docs/ keeps only those the README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/segscope}
out=${2:-docs}
data=../shared/data/ts_ct_small
export WGPU_BACKEND=${WGPU_BACKEND:-vulkan}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
# A fresh settings folder: persisted styles from earlier runs would change the pictures.
export XDG_DATA_HOME=$(mktemp -d) XDG_CONFIG_HOME=$(mktemp -d)
Xvfb :97 -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null' EXIT
export DISPLAY=:97
sleep 1
shot() { # NAME ARGS...
  local name=$1; shift
  "$bin" "$@" >/dev/null 2>&1 &
  local app=$!
  # Loading, the first frames (shader JIT on lavapipe) and the surface metrics.
  sleep "${WAIT:-12}"
  import -window root "$out/$name.png"
  kill $app 2>/dev/null; wait $app 2>/dev/null || true
  echo "$out/$name.png"
}
shot demo
shot demo_difference --difference
shot ts_ct_small_fill "$data/image.nii.gz" --reference "$data/reference.nii.gz" --prediction "$data/prediction.nii.gz" --overlay fill
shot ts_ct_small_outline "$data/image.nii.gz" --reference "$data/reference.nii.gz" --prediction "$data/prediction.nii.gz" --overlay outline
shot ts_ct_small_difference "$data/image.nii.gz" --reference "$data/reference.nii.gz" --prediction "$data/prediction.nii.gz" --difference

# Keys sent to the window after it has loaded: SHOT NAME "KEY ..." ARGS...
shot_keys() {
  local name=$1 keys=$2; shift 2
  "$bin" "$@" >/dev/null 2>&1 &
  local app=$!
  sleep "${WAIT:-12}"
  # No window manager under Xvfb: give the window the keyboard first.
  xdotool search --name segscope windowfocus 2>/dev/null || true
  for key in $keys; do xdotool key "$key"; sleep 1; done
  sleep "${WAIT:-12}"
  import -window root "$out/$name.png"
  kill $app 2>/dev/null; wait $app 2>/dev/null || true
  echo "$out/$name.png"
}
dataset=$(mktemp -d)
mkdir -p "$dataset"/{imagesTs,labelsTs,predictions}
shared=$(cd ../shared/data && pwd)
for case in "ts_ct_small reference prediction" "ts_ct_full reference_float64 prediction" "ts_mr_small reference prediction_old_numbering"; do
  set -- $case
  ln -s "$shared/$1/image.nii.gz" "$dataset/imagesTs/$1_0000.nii.gz"
  ln -s "$shared/$1/$2.nii.gz" "$dataset/labelsTs/$1.nii.gz"
  ln -s "$shared/$1/$3.nii.gz" "$dataset/predictions/$1.nii.gz"
done
shot ts_dataset_browser --dataset "$dataset" --sort mean-dice
shot_keys ts_dataset_worst_case "Home Return" --dataset "$dataset" --sort mean-dice
shot_keys ts_dataset_review "Home Return ctrl+2 alt+3 e k" --dataset "$dataset" --sort mean-dice --reviewer "Dr Example"
