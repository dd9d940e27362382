import pytest

from intercom_redact._paths import PathMatcher, PathSyntaxError, Segment, parse_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("contact.email", [Segment("key", "contact"), Segment("key", "email")]),
        ("*.email", [Segment("any"), Segment("key", "email")]),
        ("**.email", [Segment("deep"), Segment("key", "email")]),
        ("conversation_parts[*].body",
         [Segment("key", "conversation_parts"), Segment("any_index"), Segment("key", "body")]),
        ("[0].email", [Segment("index", 0), Segment("key", "email")]),
        ('contact."first.name"', [Segment("key", "contact"), Segment("key", "first.name")]),
        ("contact.'x[0] y'", [Segment("key", "contact"), Segment("key", "x[0] y")]),
        ('"a\\"b"', [Segment("key", 'a"b')]),
        ("Contact.EMAIL", [Segment("key", "contact"), Segment("key", "email")]),
        ("a[1][*]", [Segment("key", "a"), Segment("index", 1), Segment("any_index")]),
    ],
)
def test_parse(path, expected):
    assert list(parse_path(path)) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "empty"),
        ("a.", "ends with '.'"),
        ("a..b", "expected a key"),
        ("a[x]", "bad selector"),
        ('"open', "unterminated"),
        ("a.**", r"ends with '\*\*'"),
        ("a b", "unexpected"),
    ],
)
def test_parse_errors_say_where(path, message):
    with pytest.raises(PathSyntaxError, match=message):
        parse_path(path)


def _matcher(*paths):
    return PathMatcher([(parse_path(p), p) for p in paths], rank=lambda i, p: i)


def _walk(matcher, *steps):
    state = matcher.root
    for step in steps:
        state = state.step_index(step) if isinstance(step, int) else state.step_key(step)
    return state.match


def test_keys_match_case_insensitively_and_cache_per_spelling():
    m = _matcher("contact.email")
    assert _walk(m, "Contact", "EMAIL") == "contact.email"
    assert _walk(m, "contact", "email") == "contact.email"
    assert "Contact" in m.root.next_key and "contact" in m.root.next_key


def test_wildcards():
    m = _matcher("*.email", "**.phone", "parts[*].body", "[0].name")
    assert _walk(m, "anything", "email") == "*.email"
    assert _walk(m, "a", "b", "email") is None
    assert _walk(m, "phone") == "**.phone"
    assert _walk(m, "a", 3, "b", "phone") == "**.phone"
    assert _walk(m, "parts", 7, "body") == "parts[*].body"
    assert _walk(m, "parts", "body") is None
    assert _walk(m, 0, "name") == "[0].name"
    assert _walk(m, 1, "name") is None


def test_states_are_shared_so_walks_do_not_reparse():
    m = _matcher("**.email")
    a = m.root.step_key("x").step_key("y")
    b = m.root.step_key("y").step_key("x")
    assert a is b
    assert m.root.step_key("q").step_index(0) is m.root.step_key("q").step_index(999)


def test_dead_state_when_nothing_can_match():
    m = _matcher("contact.email")
    assert m.root.step_key("other").is_dead
    assert not m.root.step_key("contact").is_dead
