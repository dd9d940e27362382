"""Property tests: planted PII never survives, kept values always do."""

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import unhurried_redactor

REDACTOR = unhurried_redactor()

PII_KEYS = ["email", "Email", "name", "phone", "PHONE", "location", "ip_address", "password", "token"]
KEPT_KEYS = ["id", "external_id", "created_at", "type", "role", "state"]
SAFE_KEYS = st.sampled_from(["a", "b", "data", "items", "meta", "contact", "x_y"])

emails = st.builds(lambda u, d: f"{u}@{d}.com",
                   st.text("abcdefghij", min_size=3, max_size=8), st.text("klmnopq", min_size=3, max_size=8))
phones = st.builds(lambda n: f"+1 415 555 {n:04d}", st.integers(0, 9999))
pii_values = st.one_of(emails, phones, st.text("ABCDEFGHIJ", min_size=4, max_size=10).map(lambda s: f"Zq{s}"))
kept_values = st.text("0123456789abcdef", min_size=6, max_size=24).map(lambda s: f"id_{s}")



leaves = st.one_of(st.integers(), st.booleans(), st.none(), st.text("xyz ", max_size=6))
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(SAFE_KEYS, children, max_size=4),
    ),
    max_leaves=20,
)


@st.composite
def planted(draw):
    """A random tree with PII under PII keys and ids under kept keys, at random places."""
    tree = draw(st.dictionaries(SAFE_KEYS, trees, max_size=4))
    secrets, kept = [], []
    for _ in range(draw(st.integers(1, 4))):
        key, value = draw(st.sampled_from(PII_KEYS)), draw(pii_values)
        secrets.append(value)
        _insert(draw, tree, {key: value})
    for _ in range(draw(st.integers(0, 3))):
        key, value = draw(st.sampled_from(KEPT_KEYS)), draw(kept_values)
        kept.append(value)
        _insert(draw, tree, {key: value})
    return tree, secrets, kept


def _insert(draw, tree, item):
    node = tree
    for _ in range(draw(st.integers(0, 3))):
        key = draw(SAFE_KEYS)
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {} if draw(st.booleans()) else node.get(key, {})
            if not isinstance(child, dict):
                child = node[key] = {}
        node = child
    # A fresh key per planted item, directly or inside a list, so nothing overwrites it.
    slot = f"slot{sum(1 for k in node if str(k).startswith('slot'))}"
    node[slot] = [item] if draw(st.booleans()) else item


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted())
def test_planted_pii_never_survives_and_kept_values_do(case):
    tree, secrets, kept = case
    before = copy.deepcopy(tree)
    out = REDACTOR.redact(tree)
    text = repr(out)
    for value in secrets:
        assert value not in text
    for value in kept:
        assert value in text
    assert tree == before  # never mutated


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.one_of(st.text(), st.binary(), st.integers(), st.floats(), st.none(), st.booleans()),
    lambda c: st.one_of(st.lists(c), st.sets(st.integers()), st.dictionaries(st.one_of(st.text(), st.integers()), c),
                        st.tuples(c, c)),
    max_leaves=30,
))
def test_redact_never_raises(value):
    REDACTOR.redact(value)
    REDACTOR.redact_with_summary(value, scan=False)
