"""Checking and bundling a Space folder on the client: what `podium spaces check` (and later `podium push`) runs.

Standard library only, so the CLI stays fast and the Spaces server can reuse the same code.

Metadata (`load_metadata`, `SpaceMetadata`)
    A Space's settings live in the front matter of its README.md, as on Hugging Face Spaces::

        ---
        title: Image captioning
        emoji: 🖼️
        sdk: podium              # podium (default), gradio or docker
        sdk_version: 5.0.0
        app_file: app.py         # default app.py; docker Spaces build their Dockerfile instead
        app_port: 7860           # the port a docker Space listens on (default 7860)
        python_version: "3.12"   # 3.10 to 3.13
        suggested_hardware: cpu-basic
        sleep_time: 3600         # seconds idle before sleeping, at least 60; -1 never sleeps
        pinned: false
        license: mit
        short_description: Captions your photos   # at most 60 characters
        tags:
          - vision
        ---

    Only the flat YAML subset above is read: `key: value` with plain or quoted strings, whole numbers,
    true/false, lists (`- item` lines or `[a, b]`) and `#` comments; a number with a dot stays the text written.
    Other keys (`tags`, `colorFrom`, ...) are kept in `SpaceMetadata.extra` with a warning. A README without
    front matter, or no README, gives the defaults. Errors (`MetadataError`) name the file and line and say
    what to write. `problems(folder)` reports Hugging Face's stage names: `CONFIG_ERROR` for invalid front
    matter, `NO_APP_FILE` when the app file (or Dockerfile) is missing or would not be uploaded.

Bundles (`build_manifest`, `BundleManifest`)
    Every file of the folder with its relative POSIX path, size, sha256 and executable bit, in path order.
    Always left out: `.git`, `__pycache__/`, `.venv/`, `venv/`. Also left out: what `.gitignore` and
    `.podiumignore` files exclude, in the root and in any subfolder, with git's rules (`#` comments, `!`
    re-includes, `dir/` matches folders only, `/x` and `a/b` are anchored to the ignore file's folder, `*`, `?`,
    `[a-z]`, `**`; the last matching line wins; `.podiumignore` comes after `.gitignore` of the same folder;
    nothing inside an excluded folder can be re-included). Symlinks are followed only inside the folder; one
    leading outside is an error. Limits (`BundleLimits`): 10,000 files, 1 GiB in all, 100 MiB per file.
    `manifest_digest` names a revision; `missing_files(manifest, known_digests)` is what an upload must send.
"""

from __future__ import annotations

from podium.spaces.bundle import (
    BundleError,
    BundleFile,
    BundleLimits,
    BundleManifest,
    IgnoredPath,
    build_manifest,
    manifest_digest,
    missing_files,
)
from podium.spaces.ignore import IgnoreRule, IgnoreRules, parse_ignore_file
from podium.spaces.metadata import (
    CONFIG_ERROR,
    NO_APP_FILE,
    MetadataError,
    SpaceMetadata,
    SpaceProblem,
    load_metadata,
    parse_metadata,
    problems,
)

__all__ = [
    "CONFIG_ERROR",
    "NO_APP_FILE",
    "BundleError",
    "BundleFile",
    "BundleLimits",
    "BundleManifest",
    "IgnoreRule",
    "IgnoreRules",
    "IgnoredPath",
    "MetadataError",
    "SpaceMetadata",
    "SpaceProblem",
    "build_manifest",
    "load_metadata",
    "manifest_digest",
    "missing_files",
    "parse_ignore_file",
    "parse_metadata",
    "problems",
]
