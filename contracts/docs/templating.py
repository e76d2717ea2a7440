"""The one Jinja2 environment: package templates, autoescaping, and Markdown filters.

The spec's descriptions are CommonMark; they are rendered by markdown-it-py with raw HTML
disabled, so a description can never inject markup into the page.
"""

from __future__ import annotations

import functools

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["environment", "markdown", "markdown_inline"]


@functools.lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


def markdown(text: object) -> Markup:
    """Block Markdown → HTML (paragraphs, lists, code, emphasis)."""
    return Markup(_markdown().render(str(text or "")))  # safe: markdown-it escapes text, raw HTML is off


def markdown_inline(text: object) -> Markup:
    """One line of Markdown → HTML without a surrounding paragraph."""
    return Markup(_markdown().renderInline(str(text or "")))  # safe: as above


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Templates from ``contracts/docs/templates``; every template autoescapes."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("contracts.docs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown
    env.filters["md_inline"] = markdown_inline
    return env
