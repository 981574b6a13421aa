"""The client file (client.yml): read and parsed in one place, with one error policy.

The composition root (bot/hub/wiring.py) reads it once and hands each feature its section through
that feature's ``*_from_client(data)``; the ``load_*(path)`` helpers that the command line and the
tests use read it through here too. A file that is missing, unreadable, not YAML or not a mapping is
an error that names the file: the operator fixes it, nothing silently falls back to defaults.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml


class ClientFileError(ValueError):
    """The client file cannot be used; the message names the file and why."""


def read_client_file(path: str | Path, error: type[ValueError] = ClientFileError) -> Mapping[str, Any]:
    """The parsed client file; raises ``error`` (a ValueError subclass of the caller's choosing)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read client file {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"client file {path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise error(f"client file {path}: expected a mapping")
    return data
