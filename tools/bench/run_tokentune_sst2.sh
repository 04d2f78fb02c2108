#!/usr/bin/env bash
# Issue 6's accuracy check: the pretrained stories260K (../shared) fine-tuned as an SST-2 classifier (mean-pooling
# head, batch 16, sequence 48, AdamW lr 1e-3, linear schedule, 40 warm-up steps) with full fine-tuning and with
# TokenTune, the same step budget and seeds for each; accuracy on test.tsv (the GLUE dev set). One line per run goes
# to $OUT/runs.tsv (kept between calls, so runs add up), and $OUT/summary.md gets the mean and range per setting.
#
#   bash tools/bench/run_tokentune_sst2.sh                                   # full, k=16, p=0.5, p=0.3 × seeds 0 1 2
#   STEPS=800 SEEDS="0" SETTINGS="full p=0.5" bash tools/bench/run_tokentune_sst2.sh
#
# Environment: STEPS (default 2000), SEEDS (default "0 1 2"), SETTINGS (default "full k=16 p=0.5 p=0.3"; "full" is
# plain fine-tuning, anything else is a --token-select value), SHARED (default ../shared), OUT (default
# /tmp/orttune-tokentune-sst2), BUILD (where the CLI is built, default tools/OrtTune.Cli/bin/Release/net10.0; give
# another folder to keep rebuilding the repository while the runs go on), HEAD (the --head spec, default 2:mean), LR
# (peak learning rate, default 1e-3), PREPARE_ARGS (more `prepare` options, e.g. "--trainable lora:r=8 --quantize-frozen";
# they become part of the setting's name and run folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=$(realpath "${SHARED:-../shared}")
model=$shared/data/models/stories260K
data=$shared/data/text/sst2
out=${OUT:-/tmp/orttune-tokentune-sst2}
steps=${STEPS:-2000}
[ -f "$model/stories260K.onnx" ] && [ -f "$data/train.tsv" ] || { echo "needs $model and $data (the project's shared data)" >&2; exit 1; }
mkdir -p "$out"
build=${BUILD:-tools/OrtTune.Cli/bin/Release/net10.0}
dotnet build -c Release tools/OrtTune.Cli -nologo -v q -o "$build" >/dev/null
cli="dotnet $build/orttune.dll"
[ -f "$out/runs.tsv" ] || printf 'setting\tsteps\tseed\taccuracy\n' > "$out/runs.tsv"
extra=${PREPARE_ARGS:-}
read -ra extra_args <<< "$extra"   # split on spaces only: globs such as targets=*wq* reach prepare as written
tag=$(printf '%s' "$extra" | tr -c 'A-Za-z0-9' '_')

for setting in ${SETTINGS:-full k=16 p=0.5 p=0.3}; do
  for seed in ${SEEDS:-0 1 2}; do
    run="$out/${setting//=/}${tag:+-$tag}-$steps-s$seed"
    rm -rf "$run"
    select=""
    [ "$setting" = full ] || select="--token-select $setting"
    $cli prepare "$model/stories260K.onnx" --out "$run/artifacts" --batch 16 --seq 48 --loss classification --head "${HEAD:-2:mean}" \
      --freeze fc,fs --lr "${LR:-1e-3}" --tokenizer "llama2c:$model/tok512.bin" --labels negative,positive $select "${extra_args[@]}" > "$run.prepare.log"
    $cli train "$run/artifacts" --train-file "$data/train.tsv" --eval-file "$data/test.tsv" --text-column sentence --labels 0,1 \
      --steps "$steps" --eval-every 200 --schedule linear --warmup 40 --metric accuracy --seed "$seed" --metrics-dir "$run" > "$run.train.log"
    # The checkpoint of the last step, not the best one: the same budget for every setting.
    last=$(ls -d "$run"/artifacts/checkpoints/step-* | sort | tail -n 1)
    accuracy=$($cli eval "$run/artifacts" --checkpoint "$last" --eval-file "$data/test.tsv" --text-column sentence --labels 0,1 --json \
      | grep -o '"accuracy": *[0-9.]*' | grep -o '[0-9.]*$')
    printf '%s\t%s\t%s\t%s\n' "$setting${HEAD:+ ($HEAD)}${LR:+ lr $LR}${extra:+ $extra}" "$steps" "$seed" "$accuracy" | tee -a "$out/runs.tsv"
  done
done

{
  echo "| setting | steps | runs (seeds) | mean accuracy | range |"
  echo "| --- | --- | --- | ---: | --- |"
  awk -F'\t' 'NR > 1 { k = $1 " | " $2; n[k]++; s[k] += $4; if (!(k in lo) || $4 < lo[k]) lo[k] = $4; if (!(k in hi) || $4 > hi[k]) hi[k] = $4; seeds[k] = seeds[k] " " $3 }
    END { for (k in n) printf "| %s | %d (%s) | %.2f %% | %.2f – %.2f %% |\n", k, n[k], substr(seeds[k], 2), 100 * s[k] / n[k], 100 * lo[k], 100 * hi[k] }' \
    "$out/runs.tsv" | sort
} > "$out/summary.md"
cat "$out/summary.md"
