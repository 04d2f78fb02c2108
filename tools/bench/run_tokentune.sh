#!/usr/bin/env bash
# Issue 6 benchmark: TokenTune's activation memory and step time against full fine-tuning and LoRA, on a BERT-base-shaped
# encoder and a Llama-shaped decoder (12 layers, d 768) at sequence 512, p in {1, 0.5, 0.3, 0.25, 0.1}. The random-weight
# models (~1 GB) live in a temp folder removed at the end; the report goes to docs/benchmarks/tokentune.md (+ .json, .png).
#
#   bash tools/bench/run_tokentune.sh                        # everything (24 configurations, ~25 min on 2 idle cores)
#   bash tools/bench/run_tokentune.sh --steps 3 --ratios base,0.25   # any OrtTune.Benchmarks tokentune option
#
# Environment: OUT (report folder, default docs/benchmarks), PYTHON (default /usr/bin/python3 with python3-torch 1.13,
# python3-onnx, python3-numpy), SEQ (default 512), BATCH (default 1), KEEP=1 keeps the temp folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-/usr/bin/python3}
out=${OUT:-docs/benchmarks}
"$python" -c "import torch, onnx, numpy" || { echo "$python needs torch, onnx and numpy (Debian: python3-torch python3-onnx python3-numpy)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/orttune-tokentune.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

echo "exporting the models and their batch into $work/models" >&2
"$python" tools/bench/tokentune_models.py --out "$work/models" --seq "${SEQ:-512}" --batch "${BATCH:-1}" >/dev/null
dotnet build -c Release tools/OrtTune.Benchmarks -nologo -v q
dotnet run -c Release --no-build --project tools/OrtTune.Benchmarks -- tokentune --models "$work/models" --out "$out" "$@"
