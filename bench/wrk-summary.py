#!/usr/bin/env python3
"""One line from wrk's `--latency` output: "requests/s p50_ms p99_ms". Refuses (exit 1, naming
how many) a run with error answers, so that no benchmark measures an error page.

Usage: bench/wrk-summary.py WRK_OUTPUT [--rps-decimals N]
"""
import argparse
import re
import sys

parser = argparse.ArgumentParser()
parser.add_argument("output")
parser.add_argument("--rps-decimals", type=int, default=0)
args = parser.parse_args()
text = open(args.output).read()


def milliseconds(percentile):
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"{args.output}: {errors.group(1)} error responses")
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
print(f"{rps:.{args.rps_decimals}f} {milliseconds('50'):.2f} {milliseconds('99'):.2f}")
