#!/usr/bin/env python3
"""schemathesis, with one workaround for the Python it runs on.

CPython 3.11's parser can crash ("SystemError: AST constructor recursion depth mismatch") when
Hypothesis parses a lambda's source to describe a strategy deep inside a recursive draw, and the
crash aborts the run. The description is only text for messages: here it falls back to
Hypothesis's own "<unknown>" form instead. What is generated, sent and checked is unchanged.

    python3 scripts/run-schemathesis.py run openapi.yaml --url ...
"""
import sys

from hypothesis.internal import lambda_sources

_describe = getattr(lambda_sources, "_lambda_description", None)
if _describe is not None:
    def _describe_or_unknown(f, *args, **kwargs):
        try:
            return _describe(f, *args, **kwargs)
        except SystemError:
            return "lambda: <unknown>"

    lambda_sources._lambda_description = _describe_or_unknown

from schemathesis.cli import schemathesis  # noqa: E402

sys.exit(schemathesis())
