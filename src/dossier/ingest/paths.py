"""Expanding user inputs (files, folders, glob patterns) into file paths, lazily and in order.

Folders are walked in sorted order one directory at a time: only the names of the
directory being walked are held in memory, never the whole tree. Hidden files and
folders (names starting with ".") are left out unless a pattern names them.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

_MAGIC = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class InputPath:
    """One file to read: `display` is how the user wrote it, `source` its absolute path."""

    display: str
    source: str


@dataclass(frozen=True, slots=True)
class MissingInput:
    """An input that names nothing on disk (a missing path or a pattern with no match)."""

    display: str
    source: str
    is_pattern: bool


def has_magic(text: str) -> bool:
    """Return True when `text` contains a glob wildcard."""
    return any(ch in _MAGIC for ch in text)


def _sorted_entries(folder: str) -> list[os.DirEntry[str]]:
    # One directory's entries: needed whole to give a sorted, reproducible order.
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def walk_folder(display: str, *, exclude: Collection[str] = ()) -> Iterator[InputPath]:
    """Yield every non-hidden file under `display`, depth first, names in sorted order."""
    for entry in _sorted_entries(display):
        if entry.name.startswith("."):
            continue
        child = os.path.join(display, entry.name)
        if entry.is_dir():
            yield from walk_folder(child, exclude=exclude)
        elif entry.is_file():
            source = os.path.abspath(child)
            if source not in exclude:
                yield InputPath(child, source)


def _glob(folder: str, parts: list[str], *, exclude: Collection[str]) -> Iterator[InputPath]:
    part, rest = parts[0], parts[1:]
    if part == "**":
        # "**" matches this folder and every folder below it.
        if rest:
            yield from _glob(folder, rest, exclude=exclude)
        for entry in _sorted_entries(folder):
            if entry.is_dir() and not entry.name.startswith("."):
                yield from _glob(os.path.join(folder, entry.name), parts, exclude=exclude)
        return
    if not has_magic(part):
        child = os.path.join(folder, part)
        if rest:
            if os.path.isdir(child):
                yield from _glob(child, rest, exclude=exclude)
        elif os.path.isdir(child):
            yield from walk_folder(child, exclude=exclude)
        elif os.path.isfile(child) and os.path.abspath(child) not in exclude:
            yield InputPath(child, os.path.abspath(child))
        return
    for entry in _sorted_entries(folder):
        if entry.name.startswith(".") and not part.startswith("."):
            continue
        if not fnmatch.fnmatchcase(entry.name, part):
            continue
        child = os.path.join(folder, entry.name)
        if rest:
            if entry.is_dir():
                yield from _glob(child, rest, exclude=exclude)
        elif entry.is_dir():
            yield from walk_folder(child, exclude=exclude)
        elif entry.is_file() and os.path.abspath(child) not in exclude:
            yield InputPath(child, os.path.abspath(child))


def glob_paths(pattern: str, *, exclude: Collection[str] = ()) -> Iterator[InputPath]:
    """Yield the files matching a glob pattern ("*", "?", "[...]", "**"), in sorted order."""
    absolute = os.path.isabs(pattern)
    parts = [p for p in Path(pattern).parts if p not in ("", os.sep)]
    if absolute:
        parts = list(Path(pattern).parts[1:])
    # The fixed prefix before the first wildcard is the folder to start from.
    i = 0
    while i < len(parts) and not has_magic(parts[i]):
        i += 1
    root = os.path.join(os.sep if absolute else "", *parts[:i]) if i else (os.sep if absolute else "")
    if not root:
        root_dir, shown = ".", ""
    else:
        root_dir, shown = root, root
    if not os.path.isdir(root_dir):
        return
    for found in _glob(root_dir, parts[i:], exclude=exclude):
        # Show paths the way the user wrote the pattern (no "./" prefix for relative ones).
        display = found.display if shown else os.path.relpath(found.display, ".")
        yield InputPath(display, found.source)


def expand_inputs(
    inputs: Collection[str | os.PathLike[str]], *, exclude: Collection[str] = ()
) -> Iterator[InputPath | MissingInput]:
    """Yield the files named by `inputs` in order, and a MissingInput for each that names nothing."""
    for item in inputs:
        text = os.fspath(item)
        if os.path.isdir(text):
            yield from walk_folder(text, exclude=exclude)
        elif os.path.exists(text):
            source = os.path.abspath(text)
            if source not in exclude:
                yield InputPath(text, source)
        elif has_magic(text):
            matched = False
            for found in glob_paths(text, exclude=exclude):
                matched = True
                yield found
            if not matched:
                yield MissingInput(text, os.path.abspath(text), is_pattern=True)
        else:
            yield MissingInput(text, os.path.abspath(text), is_pattern=False)
