#!/usr/bin/env bash
# Runs the solver-layer tests with AddressSanitizer, whose LeakSanitizer fails the run on any leak
# (ParaPlan's or the C solvers') at exit. valgrind is not used here: it crashes inside libdispatch
# when the Swift test runner parks its main thread. The tests are swift-testing ones; the empty XCTest
# pass is skipped because XCTest's own runner leaks a few bytes that would fail the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
swift test --sanitize=address --scratch-path .build-asan --disable-xctest \
    --filter 'TextbookLPTests|MixedIntegerTests|BackendAgreementTests|WarmStartTests|ConcurrencyTests|ModelFileTests|ValidationTests'
