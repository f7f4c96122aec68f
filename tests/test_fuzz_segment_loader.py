"""Fuzzing the segment-file loader: whatever the text, only leadseg's own errors escape.
Inputs that once crashed it live in tests/fuzz_regressions/ and are replayed every run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadseg import parse_segments
from leadseg.errors import LeadsegError
from leadseg.segments.file.models import KNOWN_KEYS

REGRESSIONS = sorted((Path(__file__).parent / "fuzz_regressions").glob("*.yaml"))

keys = st.one_of(st.sampled_from(sorted(KNOWN_KEYS)), st.text(max_size=6))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["NO", "on", "1:30", "010", "2024-01-01", "~", "!!python/object:os.system"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


def load(text: str) -> None:
    try:
        parse_segments(text, "fuzz.yaml")
    except LeadsegError as error:
        assert error.problems, "a leadseg error always carries at least one problem"
        for problem in error.problems:
            assert problem.location.file == "fuzz.yaml"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_structured_documents(document):
    load(yaml.safe_dump({"segments": [document]} if isinstance(document, dict) else document))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("segmnt:- {}[],&*!|>'\"#\n\t ?%@`ab01")), max_size=80))
def test_arbitrary_text(text):
    load(text)


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_regressions(path):
    load(path.read_text(encoding="utf-8"))
