"""RFC 6901 escaping: the table every pointer in a report relies on."""

from __future__ import annotations

import pytest

from contracts._pointer import escape_token, from_path, join, split, unescape_token


@pytest.mark.parametrize(
    ("token", "escaped"),
    [
        # plain tokens pass through
        pytest.param("subtasks", "subtasks", id="plain"),
        pytest.param(3, "3", id="index"),
        pytest.param("", "", id="empty"),
        # the two special characters
        pytest.param("a/b", "a~1b", id="slash"),
        pytest.param("m~n", "m~0n", id="tilde"),
        # order matters: "~1" written literally must not read back as "/"
        pytest.param("~1", "~01", id="literal-tilde-one"),
        pytest.param("/~", "~1~0", id="slash-then-tilde"),
        pytest.param("~/", "~0~1", id="tilde-then-slash"),
        pytest.param("~~//", "~0~0~1~1", id="doubled"),
        # the spec's path keys carry slashes and braces
        pytest.param("/api/v2/tasks/instances/{id}", "~1api~1v2~1tasks~1instances~1{id}", id="openapi-path"),
        pytest.param("名 %20", "名 %20", id="unicode-and-percent-untouched"),
    ],
)
def test_escape_token_and_back(token: str | int, escaped: str) -> None:
    assert escape_token(token) == escaped
    assert unescape_token(escaped) == str(token)


@pytest.mark.parametrize(
    ("tokens", "pointer"),
    [
        pytest.param((), "", id="whole-document"),
        pytest.param(("data",), "/data", id="one-token"),
        pytest.param(("subtasks", 3, "upstreams", 0), "/subtasks/3/upstreams/0", id="indexes"),
        pytest.param(("", ""), "//", id="empty-tokens"),
        pytest.param(("a/b", "c~d"), "/a~1b/c~0d", id="escaped-tokens"),
        pytest.param(("listMap", "obproxy_server_ids"), "/listMap/obproxy_server_ids", id="underscores"),
    ],
)
def test_join_and_split_round_trip(tokens: tuple[str | int, ...], pointer: str) -> None:
    assert join(*tokens) == pointer
    assert from_path(tokens) == pointer
    assert split(pointer) == [str(token) for token in tokens]


def test_split_refuses_a_pointer_without_leading_slash() -> None:
    with pytest.raises(ValueError, match="starts with '/'"):
        split("data/subtasks")
