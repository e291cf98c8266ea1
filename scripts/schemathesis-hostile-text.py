"""schemathesis hooks: every string of every generated body and query gets a character the edge
must refuse or normalise (controls, NUL, bidirectional controls and marks, line breaks, a combining
mark), so the fuzz run proves that hostile text is always a 4xx, never a 5xx.

    SCHEMATHESIS_HOOKS=scripts/schemathesis-hostile-text.py python3 scripts/run-schemathesis.py run ...
"""
from functools import partial

import schemathesis
from hypothesis import strategies as st

HOSTILE = [
    "\u0000", "\u0001", "\u0007", "\u001b", "\u007f", "\u0085", "\u009b", "\u202a", "\u202e", "\u2066", "\u2069",
    "\u200e", "\u200f", "\u061c", "\u2028", "\r", "\n", "\t", "\r\n", "e\u0301", "\ufeff",
]


def _with(text, hostile, at_start):
    return hostile + text if at_start else text + hostile


def _hostile(value):
    """A strategy that draws the value with a hostile character in each of its strings."""
    if isinstance(value, str):
        return st.builds(partial(_with, value), st.sampled_from(HOSTILE), st.booleans())
    if isinstance(value, dict):
        return st.fixed_dictionaries({key: _hostile(child) for key, child in value.items()})
    if isinstance(value, list):
        return st.tuples(*[_hostile(child) for child in value]).map(list)
    return st.just(value)


@schemathesis.hook
def flatmap_body(context, body):
    return _hostile(body)


@schemathesis.hook
def flatmap_query(context, query):
    return _hostile(query) if query else st.just(query)
