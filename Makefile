# The README's commands. Each installs the system packages it needs first, and the Python package into the
# project's virtual environment (.venv).
.PHONY: example test bench leak-check deps python-env format

deps:
	@scripts/install-deps.sh

python-env: deps
	@scripts/python-env.sh

# Runs ParaPlan end to end on the embedded examples: plans a real Wikipedia batch with mixed SP degrees, checks the
# plan, writes its predicted schedule for Perfetto and its HTML report, balances a multimodal batch over DP ranks (with and without the shape rules, compared), places MoE experts for 8 layers, lays out a
# 16-layer GCNII over 16 GPUs, estimates a static layout, ranks every static layout, solves two model files, and measures
# the straggler slowdown of a recorded training job (what-if analysis of its trace).
example: python-env
	swift build --product paraplan
	.build/debug/paraplan plan sequence-parallel --lengths Examples/batches/wikipedia-batch0.txt \
		--profile Examples/profiles/flexsp-gpt7b.yaml --output .build/example-plan.json
	.build/debug/paraplan validate .build/example-plan.json
	.build/debug/paraplan trace .build/example-plan.json --lengths Examples/batches/wikipedia-batch0.txt \
		--profile Examples/profiles/flexsp-gpt7b.yaml --output .build/example-plan.trace.json
	.build/debug/paraplan report .build/example-plan.json --lengths Examples/batches/wikipedia-batch0.txt \
		--profile Examples/profiles/flexsp-gpt7b.yaml --output .build/example-report.html
	.build/debug/paraplan plan batch-balance --samples Examples/samples/multimodal-256.jsonl --ranks 8 --equal-counts \
		--micro-batches 4 --max-tokens-per-micro-batch 24576 --profile Examples/profiles/batch-balance-7b.yaml --phases encoder,llm \
		--output .build/example-balance.json
	.build/debug/paraplan plan batch-balance --samples Examples/samples/multimodal-256.jsonl --ranks 8 \
		--profile Examples/profiles/batch-balance-7b.yaml --output .build/example-balance-free.json \
		--report .build/example-balance-free-report.html
	.build/debug/paraplan compare .build/example-balance.json .build/example-balance-free.json
	.build/debug/paraplan report .build/example-balance.json --output .build/example-balance-report.html
	.build/debug/paraplan plan expert-placement --loads Examples/moe/loads-64-experts.json \
		--origins Examples/moe/origins-64-experts.json --cluster hgx-h800:2 --slots-per-gpu 5 --groups 8 \
		--output .build/example-experts.json
	.build/debug/paraplan validate .build/example-experts.json
	.build/debug/paraplan report .build/example-experts.json --output .build/example-experts-report.html
	.build/debug/paraplan plan gnn-pipeline --graph Examples/gnn/community-3k.txt --model Examples/gnn/gcnii-16.yaml \
		--cluster dgx-a100:2 --output .build/example-gnn.json
	.build/debug/paraplan validate .build/example-gnn.json
	.build/debug/paraplan report .build/example-gnn.json --graph Examples/gnn/community-3k.txt \
		--model Examples/gnn/gcnii-16.yaml --cluster dgx-a100:2 --output .build/example-gnn-report.html
	.build/debug/paraplan estimate --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:2 \
		--tp 2 --global-batch 64 --seq-len 4096 --sequence-parallel
	.build/debug/paraplan estimate --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:2 \
		--tp 2 --global-batch 64 --seq-len 4096 --sequence-parallel --json > .build/example-estimate-tp2.json
	.build/debug/paraplan estimate --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:2 \
		--tp 1 --pp 2 --global-batch 64 --seq-len 4096 --json > .build/example-estimate-pp2.json
	.build/debug/paraplan report --estimate .build/example-estimate-tp2.json --estimate .build/example-estimate-pp2.json \
		--output .build/example-estimates-report.html
	.build/debug/paraplan layouts --model Examples/models/llama-3-8b.config.json --cluster hgx-h100:2 \
		--global-batch 64 --seq-len 4096 --top 5
	.build/debug/paraplan solve Examples/models/transport.lp
	.build/debug/paraplan solve Examples/models/knapsack.lp
	.build/debug/paraplan whatif --trace Examples/traces/trace-ST.csv --meta Examples/traces/meta-ST.yaml \
		--heatmap .build/example-heatmap.svg
	.venv/bin/python Examples/python/training_loop.py

test: python-env
	@scripts/install-deps.sh browser
	swift test
	.venv/bin/python -m pytest python/tests -q

# Release builds with the Swift runtime and Foundation linked in (--static-swift-stdlib; `-Xswiftc -static-stdlib`
# left executables linked to the shared runtime): the binary runs where no Swift toolchain is installed, and starts
# in about 8 ms instead of 17-19 ms (`paraplan --version`).
bench: python-env
	swift build -c release --static-swift-stdlib --product paraplan
	swift build -c release --static-swift-stdlib --product paraplan-bench
	.build/release/paraplan-bench
	.venv/bin/python python/benchmarks/call_latency.py

leak-check: deps
	scripts/leak-check.sh

# Lays the Swift out by .swift-format and the Python by ruff.toml (120 columns both); the generated documentation
# snippets are left as scripts/doc_snippets.py writes them. ruff goes into .venv the first time; nothing else needs it.
format: python-env
	swift format -i --parallel $$(find Sources Tests -name '*.swift' ! -path 'Tests/DocumentationSnippetTests/Snippets.swift')
	.venv/bin/python -m ruff --version > /dev/null 2>&1 || .venv/bin/python -m pip install -q ruff
	.venv/bin/python -m ruff format python scripts Examples
