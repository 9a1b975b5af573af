"""The release of the code, for cache keys: what a deploy changes."""

import hashlib
from pathlib import Path

# What a page is made from: the templates and static files it is drawn with,
# and the code that draws it (messages included).
SOURCES = [
    ("templates", "*"),
    ("static", "*"),
    ("articles", "*.py"),
    ("newsroom", "*.py"),
    ("locale", "*.mo"),
]


def code_release(root: Path) -> str:
    """A digest of the sources under `root`, their names and contents: the same
    on every server of one deploy, whatever the files' dates. Read once, at
    startup (well under a megabyte)."""
    digest = hashlib.sha256()
    for folder, pattern in SOURCES:
        for path in sorted((root / folder).rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
