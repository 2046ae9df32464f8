"""Gitignore-style rules for what a Space bundle leaves out (`.gitignore` and `.podiumignore` files).

The matching follows `git help gitignore`: blank lines and `#` comments are skipped (`\\#` is a literal `#`),
trailing spaces are dropped unless escaped, `!` re-includes (`\\!` is a literal `!`), a trailing `/` matches
directories only, a pattern with a `/` at its start or middle is anchored to the folder of its ignore file
(otherwise it matches a name at any depth below it), `*` and `?` never match `/`, `[a-z]` / `[!a-z]` are
character classes (a pattern with an unclosed `[` matches nothing), and `**` matches any number of folders
in `**/x`, `x/**` and `x/**/y`. The last matching rule wins, rules of a deeper folder's file come after its
parents', and a file inside an excluded folder cannot be re-included (the folder is never entered), as in git.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["IGNORE_FILES", "IgnoreRule", "IgnoreRules", "parse_ignore_file"]

# Read in each folder in this order, so a `.podiumignore` rule overrides a `.gitignore` rule of the same folder.
IGNORE_FILES = (".gitignore", ".podiumignore")


@dataclass(frozen=True)
class IgnoreRule:
    """One pattern line of an ignore file, compiled."""

    pattern: str  # the line as written, for messages
    source: str  # where it was written, e.g. "sub/.gitignore:3"
    base: str  # the folder of its ignore file, relative to the Space folder ("" for the root)
    negated: bool
    dir_only: bool
    regex: re.Pattern[str]

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether this pattern matches `path` (relative POSIX path from the Space folder) by itself."""
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not path.startswith(self.base + "/"):
                return False
            path = path[len(self.base) + 1 :]
        return self.regex.fullmatch(path) is not None


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing the class opened at `start`, or -1 when it is not closed."""
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":  # a leading `]` is a member, not the end
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return -1


def _translate_class(body: str) -> str:
    """A gitignore character class body (between the brackets) as a regex class that never matches `/`."""
    negated = body[:1] in ("!", "^")
    if negated:
        body = body[1:]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            i += 1
            char = body[i]
        elif char == "-" and out and i + 1 < len(body):
            out.append("-")
            i += 1
            continue
        out.append(re.escape(char) if char in "\\]^-[" else char)
        i += 1
    return "[" + ("^/" if negated else "") + "".join(out) + "]"


def _translate(pattern: str) -> str:
    """A gitignore glob (no leading `/`, no trailing `/`) as a regex over a relative POSIX path."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            whole_segment = (i == 0 or pattern[i - 1] == "/") and (j == n or pattern[j] == "/")
            if j - i == 2 and whole_segment:
                if j == n:  # `x/**`: everything inside x (or everything, for a bare `**`)
                    out.append(".*")
                    i = j
                else:  # `**/`: zero or more folders
                    out.append("(?:.*/)?")
                    i = j + 1
                continue
            out.append("[^/]*")  # other runs of stars are one star
            i = j
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = _class_end(pattern, i)
            if end == -1:  # git's wildmatch: a pattern with an unclosed class matches nothing
                return "(?!)"
            else:
                out.append(_translate_class(pattern[i + 1 : end]))
                i = end + 1
        elif char == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _strip_trailing_spaces(line: str) -> str:
    """Drop trailing spaces unless the last one is escaped with a backslash."""
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped[:-1] + " "  # `\ ` keeps one space; further ones were unescaped
    return stripped


def compile_rule(line: str, source: str, base: str = "") -> IgnoreRule | None:
    """One ignore-file line as a rule, or None for a blank line or a comment."""
    text = _strip_trailing_spaces(line.rstrip("\r\n"))
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    if negated:
        text = text[1:]
    elif text.startswith(("\\!", "\\#")):
        text = text[1:]
    dir_only = text.endswith("/") and not text.endswith("\\/")
    if dir_only:
        text = text.rstrip("/")
    anchored = "/" in text  # a slash at the start or in the middle ties the pattern to its file's folder
    text = text.lstrip("/")
    if not text:
        return None  # `/` or `!/`: git ignores such a line too
    regex = _translate(text)
    if not anchored:
        regex = "(?:.*/)?" + regex
    return IgnoreRule(
        pattern=line.strip(), source=source, base=base, negated=negated, dir_only=dir_only, regex=re.compile(regex)
    )


def parse_ignore_file(text: str, name: str, base: str = "") -> list[IgnoreRule]:
    """The rules of one ignore file's `text`; `name` is its path for messages, `base` its folder."""
    rules: list[IgnoreRule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        rule = compile_rule(line, f"{name}:{number}", base)
        if rule is not None:
            rules.append(rule)
    return rules


class IgnoreRules:
    """An ordered list of rules; the last one matching a path decides whether it is ignored."""

    def __init__(self, rules: Iterable[IgnoreRule] = ()) -> None:
        self.rules: tuple[IgnoreRule, ...] = tuple(rules)

    def extended(self, rules: Sequence[IgnoreRule]) -> IgnoreRules:
        """These rules followed by `rules` (a deeper folder's file); `self` is unchanged."""
        return IgnoreRules(self.rules + tuple(rules)) if rules else self

    def deciding_rule(self, path: str, is_dir: bool) -> IgnoreRule | None:
        """The last rule matching `path` itself (not its parents), or None when none does."""
        for rule in reversed(self.rules):
            if rule.matches(path, is_dir):
                return rule
        return None

    def excluding_rule(self, path: str, is_dir: bool) -> IgnoreRule | None:
        """The rule that leaves `path` out, checking its parent folders first, or None when it is kept."""
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            is_parent = depth < len(parts)
            rule = self.deciding_rule("/".join(parts[:depth]), is_dir=is_parent or is_dir)
            if rule is not None and not rule.negated:
                return rule
        return None

    def is_ignored(self, path: str, is_dir: bool = False) -> bool:
        """Whether `path` (relative POSIX path) is left out, by its own rule or a parent folder's."""
        return self.excluding_rule(path, is_dir) is not None
