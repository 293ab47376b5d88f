"""Who may read what. Each source carries the groups that may read it (none: every caller);
a caller is an ``Access``: a name, its groups, and whether it is an admin (reads everything).
Every read path (search, lookup, joins, SQL, synth, listings) narrows to ``readable`` tables
before it ranks or computes, so nothing from another source can reach the caller."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lakelight.errors import ConfigError
from lakelight.index.catalog import TableInfo

_GROUP = re.compile(r"[\w.-]{1,100}")

__all__ = ["OWNER", "Access", "parse_groups", "readable"]


@dataclass(frozen=True, slots=True)
class Access:
    """A caller: an API key's name and groups, or the workspace's owner (the CLI)."""

    name: str
    groups: frozenset[str] = field(default_factory=frozenset)
    admin: bool = False

    def may_read(self, source_groups: Sequence[str]) -> bool:
        """Deny by default: an open source (no groups) or a shared group, nothing else."""
        return self.admin or not source_groups or not self.groups.isdisjoint(source_groups)


OWNER = Access("owner", admin=True)


def readable(tables: Iterable[TableInfo], access: Access) -> list[TableInfo]:
    return [t for t in tables if access.may_read(t.groups)]


def parse_groups(text: str | Iterable[str] | None) -> list[str]:
    """ "g1, g2" or ["g1", "g2"] → sorted unique names; empty names are dropped."""
    if text is None:
        return []
    items = text.split(",") if isinstance(text, str) else list(text)
    groups = sorted({g.strip() for g in items if g and g.strip()})
    for g in groups:
        if not _GROUP.fullmatch(g):
            raise ConfigError(f"Group {g!r}: use letters, digits, '.', '_' and '-' only")
    return groups
