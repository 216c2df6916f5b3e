#!/usr/bin/env bash
# Checks the formatting of every Swift file against the committed .swift-format configuration
# (swift-format ships with the toolchain). Fix what it reports with:
#   swift format format --in-place --recursive --parallel Package.swift Sources Stages Tests Benchmarks Fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift format lint --strict --recursive --parallel Package.swift Sources Stages Tests Benchmarks Fuzz
