"""Settings: packaged defaults (`data/settings.toml`) overlaid by a user's TOML file.

Every tuned number lives in the defaults file with a comment saying what it does and how
it was chosen; code reads it with `settings.get("section.key")`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from dossier.errors import ConfigError


def data_path(*parts: str) -> Path:
    """Return the path of a packaged data file under `dossier/data/`."""
    return Path(str(resources.files("dossier").joinpath("data", *parts)))


@dataclass(frozen=True, slots=True)
class Settings:
    """Nested settings read from TOML; keys are dotted paths ("fuse.max_date_gap_days")."""

    values: dict[str, Any] = field(default_factory=dict)
    # Extra user data files, by kind ("lexicon", "actors", "boilerplate"), added to the packaged ones.
    extra_files: dict[str, tuple[Path, ...]] = field(default_factory=dict)

    def get(self, dotted: str, default: Any = None) -> Any:
        """Return the value at a dotted key, or `default` when it is not set."""
        node: Any = self.values
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def require(self, dotted: str) -> Any:
        """Return the value at a dotted key; a missing key is a ConfigError."""
        value = self.get(dotted, _MISSING)
        if value is _MISSING:
            raise ConfigError(f"settings: `{dotted}` is not set; add it to your settings.toml")
        return value

    def files(self, kind: str) -> tuple[Path, ...]:
        """Return the user's extra data files of one kind."""
        return self.extra_files.get(kind, ())


_MISSING = object()


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found; check the path given to --config") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the file or remove --config") from None


def load_settings(
    user_file: Path | None = None, *, extra_files: dict[str, tuple[Path, ...]] | None = None
) -> Settings:
    """Return the packaged defaults overlaid with `user_file` when given."""
    values = _read_toml(data_path("settings.toml"))
    if user_file is not None:
        values = _merge(values, _read_toml(user_file))
    return Settings(values=values, extra_files=dict(extra_files or {}))
