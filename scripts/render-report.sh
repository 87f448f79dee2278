#!/usr/bin/env bash
# Renders the example reports in a real browser (headless Chromium from the system packages) to PNG, for docs/ and the
# README. Usage: scripts/render-report.sh [OUTPUT_DIR] (default docs/images). Installs Chromium when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/images}"
mkdir -p "$out" .build
if ! command -v chromium >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
swift build --product paraplan
bin=.build/debug/paraplan
$bin plan sequence-parallel --lengths Examples/batches/wikipedia-batch0.txt --profile Examples/profiles/flexsp-gpt7b.yaml \
    --output .build/report-sp-plan.json >/dev/null
$bin report .build/report-sp-plan.json --lengths Examples/batches/wikipedia-batch0.txt \
    --profile Examples/profiles/flexsp-gpt7b.yaml --output .build/report-sequence-parallel.html
$bin plan batch-balance --samples Examples/samples/multimodal-256.jsonl --ranks 8 --profile Examples/profiles/batch-balance-7b.yaml \
    --micro-batches 4 --phases encoder,llm --keep-encoder-phase --output .build/report-bb-plan.json >/dev/null
$bin report .build/report-bb-plan.json --samples Examples/samples/multimodal-256.jsonl \
    --profile Examples/profiles/batch-balance-7b.yaml --output .build/report-batch-balance.html
$bin plan batch-balance --samples Examples/samples/multimodal-256.jsonl --ranks 8 --profile Examples/profiles/batch-balance-7b.yaml \
    --report .build/report-batch-balance-baselines.html >/dev/null
$bin estimate --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:2 --tp 2 --pp 2 --global-batch 64 \
    --seq-len 4096 --json > .build/tp2-pp2.json
$bin estimate --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:2 --tp 1 --pp 4 --recompute full \
    --global-batch 64 --seq-len 4096 --json > .build/tp1-pp4-recompute.json
$bin report --estimate .build/tp2-pp2.json --estimate .build/tp1-pp4-recompute.json --output .build/report-estimates-compared.html
$bin estimate --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:4 --tp 2 --pp 4 --interleave 2 \
    --global-batch 64 --seq-len 4096 --sequence-parallel --report .build/report-estimate.html >/dev/null
$bin plan expert-placement --loads Examples/moe/loads-64-experts.json --origins Examples/moe/origins-64-experts.json \
    --cluster hgx-h800:2 --slots-per-gpu 5 --groups 8 --output .build/report-ep-plan.json >/dev/null
$bin report .build/report-ep-plan.json --groups 8 --output .build/report-expert-placement.html
$bin plan expert-placement --loads Examples/moe/loads-64-experts.json --origins Examples/moe/origins-64-experts.json \
    --cluster hgx-h800:2 --slots-per-gpu 6 --groups 8 --output .build/report-ep-plan-6.json >/dev/null
$bin report .build/report-ep-plan.json .build/report-ep-plan-6.json --output .build/report-experts-compared.html
$bin layouts --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:2 --global-batch 64 --seq-len 4096 --top 5 \
    --report .build/report-layouts.html >/dev/null
$bin whatif --trace Examples/traces/trace-ST.csv --meta Examples/traces/meta-ST.yaml --layers 32 \
    --report .build/report-whatif.html >/dev/null
$bin plan gnn-pipeline --graph Examples/gnn/community-3k.txt --model Examples/gnn/gcnii-16.yaml --cluster dgx-a100:2 \
    --report .build/report-gnn-pipeline.html >/dev/null 2>&1
for name in sequence-parallel batch-balance batch-balance-baselines estimate estimates-compared expert-placement \
    experts-compared layouts whatif gnn-pipeline; do
    case "$name" in sequence-parallel|expert-placement) height=1400 ;; batch-balance) height=880 ;; whatif) height=2300 ;;
        batch-balance-baselines) height=2500 ;; estimates-compared) height=960 ;; experts-compared) height=1900 ;;
        gnn-pipeline) height=1100 ;; *) height=760 ;; esac
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=800,"$height" \
        --screenshot="$out/report-$name.png" "file://$PWD/.build/report-$name.html" 2>/dev/null
done
echo "rendered the example reports to $out"
