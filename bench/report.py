"""Sections of results (a table, notes and checks), rendered as plain text or markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Check:
    """A pass/fail outcome: ``ids`` (correctness, fails the run) or ``target`` (a performance goal)."""

    name: str
    passed: bool
    detail: str
    kind: Literal["ids", "target"] = "target"

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


@dataclass
class Section:
    """One scenario's results."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell; the first column left-aligned, the rest right-aligned."""
    widths = [max(len(row[index]) for row in [headers, *rows]) for index in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    return [line(headers), "  ".join("-" * width for width in widths), *(line(row) for row in rows)]


def markdown_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    aligns = [":--" if index == 0 else "--:" for index in range(len(headers))]
    return ["| " + " | ".join(cells) + " |" for cells in [headers, aligns, *rows]]


def render_text(section: Section) -> str:
    lines = [f"== {section.title} =="]
    if section.rows:
        lines += text_table(section.headers, section.rows)
    lines += section.notes
    lines += [f"{check.verdict}  {check.name}: {check.detail}" for check in section.checks]
    return "\n".join(lines) + "\n"


def render_markdown(section: Section) -> str:
    lines = [f"## {section.title}", ""]
    if section.rows:
        lines += [*markdown_table(section.headers, section.rows), ""]
    if section.notes:
        lines += [*(f"- {note}" for note in section.notes), ""]
    if section.checks:
        lines += [*(f"- **{check.verdict}** {check.name}: {check.detail}" for check in section.checks), ""]
    return "\n".join(lines)
