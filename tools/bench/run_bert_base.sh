#!/usr/bin/env bash
# Issue 4 benchmark: one full fine-tuning step of BERT-base (batch 8, seq 128, 2 labels, AdamW), OrtTune vs PyTorch on
# the same architecture, weights and batch. Everything large (the ~440 MB ONNX model, the artifacts) lives in a temp
# folder that is removed at the end; the report goes to docs/benchmarks/bert-base-step.md (+ bert-base-step.json).
#
#   bash tools/bench/run_bert_base.sh                      # 2 rounds x (OrtTune arena off, PyTorch --trim, OrtTune arena on, PyTorch)
#   bash tools/bench/run_bert_base.sh --rounds 3 --steps 5 # more samples; any OrtTune.Benchmarks bert-base option
#
# Environment: OUT (report folder, default docs/benchmarks), PYTHON (default /usr/bin/python3: Debian's python3-torch
# 1.13 with python3-onnx, python3-numpy and libopenblas0-pthread), KEEP=1 keeps the temp folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-/usr/bin/python3}
out=${OUT:-docs/benchmarks}
"$python" -c "import torch, onnx, numpy" || { echo "$python needs torch, onnx and numpy (Debian: python3-torch python3-onnx python3-numpy)" >&2; exit 1; }
if ! ldconfig -p 2>/dev/null | grep -q libopenblas; then
  echo "warning: no OpenBLAS found; Debian's torch then falls back to reference BLAS (~40x slower). apt-get install libopenblas0-pthread" >&2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/orttune-bert-base.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

echo "exporting the model and batch into $work/model" >&2
"$python" tools/bench/bert_base_peer.py export --out "$work/model" >/dev/null
dotnet build -c Release tools/OrtTune.Benchmarks -nologo -v q
dotnet run -c Release --no-build --project tools/OrtTune.Benchmarks -- \
  bert-base --model "$work/model/model.onnx" --artifacts "$work/artifacts" --out "$out" --python "$python" "$@"
