"""Render the HTML reference: :func:`render_reference` gives the page, :func:`write_reference` saves it.

The page is one file: CSS inline, pictures inline SVG, no script, no font or image from the
network, so it opens from disk, from a CI artefact or behind a firewall alike.
"""

from __future__ import annotations

from pathlib import Path

from contracts.docs.palette import colours
from contracts.docs.reference import build_reference
from contracts.docs.templating import environment
from contracts.spec import Spec
from contracts.violations import UsageError

__all__ = ["render_reference", "write_reference"]


def render_reference(spec: Spec) -> str:
    """The reference page of ``spec`` as HTML text."""
    template = environment().get_template("reference.html.j2")
    return template.render(ref=build_reference(spec), colours=colours)


def write_reference(spec: Spec, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` (creating the folder) and return its path."""
    page = out_dir / "index.html"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        page.write_text(render_reference(spec), encoding="utf-8")
    except OSError as error:
        reason = error.strerror or error
        raise UsageError(f"cannot write {page}: {reason}; expected a writable folder") from None
    return page
