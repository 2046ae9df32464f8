"""Bundling a Space folder: gitignore semantics, limits, symlinks, deterministic digests, missing files."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from podium.spaces import (
    BundleError,
    BundleLimits,
    IgnoreRules,
    build_manifest,
    manifest_digest,
    missing_files,
    parse_ignore_file,
)


def make_tree(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def bundled(root: Path, limits: BundleLimits | None = None) -> list[str]:
    return [f.path for f in build_manifest(root, limits).files]


# (patterns, path, is_dir, ignored?) -- checked against `git check-ignore` semantics.
GITIGNORE_CASES = [
    ("*.log", "debug.log", False, True),
    ("*.log", "deep/er/debug.log", False, True),
    ("*.log", "debug.log.txt", False, False),
    ("*.log\n!keep.log", "keep.log", False, False),
    ("*.log\n!keep.log", "sub/keep.log", False, False),
    ("!keep.log\n*.log", "keep.log", False, True),  # the last matching line wins
    ("build/", "build", True, True),
    ("build/", "build", False, False),  # a file named build is not a folder
    ("build/", "src/build", True, True),
    ("build", "src/build", False, True),
    ("/build", "build", True, True),
    ("/build", "src/build", True, False),  # anchored to the root
    ("doc/frotz", "doc/frotz", False, True),
    ("doc/frotz", "a/doc/frotz", False, False),  # a middle slash anchors too
    ("**/foo", "foo", False, True),
    ("**/foo", "a/b/foo", False, True),
    ("**/foo/bar", "x/foo/bar", False, True),
    ("abc/**", "abc/x/y", False, True),
    ("abc/**", "abc", True, False),
    ("a/**/b", "a/b", False, True),
    ("a/**/b", "a/x/y/b", False, True),
    ("a/**/b", "ab/b", False, False),
    ("foo*bar", "foo/bar", False, False),  # * never crosses a slash
    ("fo**o", "foxo", False, True),  # other runs of stars are one star
    ("file?.txt", "file1.txt", False, True),
    ("file?.txt", "file10.txt", False, False),
    ("data[0-9].csv", "data7.csv", False, True),
    ("data[0-9].csv", "datax.csv", False, False),
    ("data[!0-9].csv", "datax.csv", False, True),
    ("data[!0-9].csv", "data7.csv", False, False),
    ("[ab]]", "a]", False, True),
    ("# comment", "# comment", False, False),
    ("\\#hash", "#hash", False, True),
    ("\\!bang", "!bang", False, True),
    ("trailing   ", "trailing", False, True),
    ("space\\ ", "space ", False, True),
    ("", "anything", False, False),
    ("*.py[cod]", "x.pyc", False, True),
    ("unclosed[", "unclosed[", False, False),  # as git: an unclosed class matches nothing
    ("secret.txt\n!/secret.txt", "secret.txt", False, False),
]


@pytest.mark.parametrize(("patterns", "path", "is_dir", "ignored"), GITIGNORE_CASES)
def test_gitignore_matching(patterns: str, path: str, is_dir: bool, ignored: bool) -> None:
    rules = IgnoreRules(parse_ignore_file(patterns, ".gitignore"))
    assert rules.is_ignored(path, is_dir) is ignored


def test_nothing_inside_an_excluded_folder_can_be_re_included(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": "logs/\n!logs/keep.txt\n", "logs/keep.txt": "", "logs/x.txt": "", "a.py": ""})
    assert bundled(tmp_path) == [".gitignore", "a.py"]
    # Excluding the contents rather than the folder lets a negation bring a file back.
    (tmp_path / ".gitignore").write_text("logs/*\n!logs/keep.txt\n")
    assert bundled(tmp_path) == [".gitignore", "a.py", "logs/keep.txt"]


def test_nested_gitignore_files_are_relative_to_their_folder_and_override_parents(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "*.csv\n/top-only.txt\n",
        "top-only.txt": "", "data/top-only.txt": "",
        "data/.gitignore": "!wanted.csv\n/local.bin\n",
        "data/wanted.csv": "", "data/other.csv": "", "data/local.bin": "", "data/deep/local.bin": "",
        "other/wanted.csv": "",
    })
    assert bundled(tmp_path) == [
        ".gitignore", "data/.gitignore", "data/deep/local.bin", "data/top-only.txt", "data/wanted.csv",
    ]


def test_podiumignore_comes_after_gitignore(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "weights.bin\n", ".podiumignore": "!weights.bin\nnotes/\n",
        "weights.bin": "w", "notes/todo.md": "", "app.py": "",
    })
    manifest = build_manifest(tmp_path)
    assert [f.path for f in manifest.files] == [".gitignore", ".podiumignore", "app.py", "weights.bin"]
    assert [(i.path, i.reason) for i in manifest.ignored] == [("notes", ".podiumignore:2: notes/")]


def test_always_skipped_folders(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".git/HEAD": "", "__pycache__/a.pyc": "", "pkg/__pycache__/b.pyc": "", ".venv/bin/python": "",
        "venv/lib/x.py": "", "app.py": "", "venv.py": "",
    })
    manifest = build_manifest(tmp_path)
    assert [f.path for f in manifest.files] == ["app.py", "venv.py"]
    assert {i.path for i in manifest.ignored} == {".git", "__pycache__", "pkg/__pycache__", ".venv", "venv"}
    assert all(i.reason.startswith("always skipped") for i in manifest.ignored)


def test_manifest_entries(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app.py": "print('hi')\n", "sub dir/ünï.txt": "x"})
    (tmp_path / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o755)
    files = {f.path: f for f in build_manifest(tmp_path).files}
    assert files["app.py"].size == 12
    assert files["app.py"].sha256 == hashlib.sha256(b"print('hi')\n").hexdigest()
    assert (files["app.py"].executable, files["app.py"].mode) == (False, 0o644)
    assert (files["run.sh"].executable, files["run.sh"].mode) == (True, 0o755)
    assert "sub dir/ünï.txt" in files


def test_order_and_digest_are_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    names = ["z.py", "A.py", "m/n.py", "m.py", "b/c/d.txt"]
    make_tree(a, {n: n for n in names})
    make_tree(b, {n: n for n in reversed(names)})
    ma, mb = build_manifest(a), build_manifest(b)
    assert [f.path for f in ma.files] == sorted(names)
    assert ma == mb
    assert manifest_digest(ma) == manifest_digest(mb) == ma.digest
    assert len(ma.digest) == 64


@pytest.mark.parametrize("change", ["content", "rename", "chmod", "add", "remove"])
def test_any_change_changes_the_digest(tmp_path: Path, change: str) -> None:
    make_tree(tmp_path, {"app.py": "x", "lib.py": "y"})
    before = build_manifest(tmp_path).digest
    if change == "content":
        (tmp_path / "app.py").write_text("z")
    elif change == "rename":
        (tmp_path / "lib.py").rename(tmp_path / "lib2.py")
    elif change == "chmod":
        (tmp_path / "app.py").chmod(0o755)
    elif change == "add":
        (tmp_path / "new.py").write_text("")
    else:
        (tmp_path / "lib.py").unlink()
    assert build_manifest(tmp_path).digest != before


def test_missing_files_skips_known_and_duplicate_content(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.txt": "same", "b.txt": "same", "c.txt": "new", "d.txt": "known"})
    manifest = build_manifest(tmp_path)
    known = [hashlib.sha256(b"known").hexdigest()]
    assert [f.path for f in missing_files(manifest, known)] == ["a.txt", "c.txt"]
    assert missing_files(manifest, [f.sha256 for f in manifest.files]) == []


def test_limits(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.txt": "x" * 10, "b.txt": "y" * 10, "c.txt": "z" * 10})
    assert len(bundled(tmp_path)) == 3
    with pytest.raises(BundleError, match="more than 2 files; list generated"):
        build_manifest(tmp_path, BundleLimits(max_files=2))
    with pytest.raises(BundleError, match=r"a.txt is 10 bytes, over the 5 bytes limit per file"):
        build_manifest(tmp_path, BundleLimits(max_file_bytes=5))
    with pytest.raises(BundleError, match=r"more than 25 bytes \(at c.txt\)"):
        build_manifest(tmp_path, BundleLimits(max_total_bytes=25))
    (tmp_path / ".podiumignore").write_text("c.txt\n")  # ignored files do not count (6 + 10 + 10 bytes)
    assert len(bundled(tmp_path, BundleLimits(max_files=3, max_total_bytes=26))) == 3


def test_symlink_inside_is_followed_outside_is_refused(tmp_path: Path) -> None:
    space, outside = tmp_path / "space", tmp_path / "outside"
    make_tree(space, {"real/data.txt": "d", "app.py": ""})
    make_tree(outside, {"secret.txt": "s"})
    os.symlink("real/data.txt", space / "alias.txt")
    os.symlink("real", space / "linked")
    files = {f.path: f for f in build_manifest(space).files}
    assert set(files) == {"alias.txt", "app.py", "linked/data.txt", "real/data.txt"}
    assert files["alias.txt"].sha256 == files["real/data.txt"].sha256

    os.symlink(outside / "secret.txt", space / "leak.txt")
    with pytest.raises(BundleError, match="leak.txt is a symlink to .*outside the Space folder"):
        build_manifest(space)
    (space / ".podiumignore").write_text("leak.txt\n")  # an ignored link is never followed
    assert "leak.txt" not in bundled(space)

    os.symlink(outside, space / "leakdir")
    with pytest.raises(BundleError, match="leakdir is a symlink to .*outside"):
        build_manifest(space)


def test_dangling_symlink_and_loop(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app.py": ""})
    os.symlink("nowhere", tmp_path / "dangling")
    with pytest.raises(BundleError, match="dangling is a symlink to 'nowhere', which does not exist"):
        build_manifest(tmp_path)
    (tmp_path / "dangling").unlink()
    os.symlink(".", tmp_path / "loop")
    with pytest.raises(BundleError, match="loop is a symlink loop"):
        build_manifest(tmp_path)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="is not a folder"):
        build_manifest(tmp_path / "missing")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command line")
def test_gitignore_table_agrees_with_git(tmp_path: Path) -> None:
    """The table above, asked of the real `git check-ignore`: our rules are git's."""
    for number, (patterns, path, is_dir, ignored) in enumerate(GITIGNORE_CASES):
        repo = tmp_path / str(number)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (repo / ".gitignore").write_text(patterns + "\n")
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if is_dir:
            target.mkdir()
        else:
            target.write_text("")
        result = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", "--no-index", path], timeout=30)
        assert (result.returncode == 0) is ignored, (patterns, path, is_dir)
