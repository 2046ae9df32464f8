"""What `make up` prints once every part of the platform answers: the URLs to open and how to sign in and push."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from podium_cp.settings import url_of_space


def summary(args: argparse.Namespace, env: Mapping[str, str], data_dir: Path, password: str | None,
            spaces: list[str], share_url: str | None = None, *, admin: str) -> str:
    """The summary: the console first, then the API, the router, the examples (`spaces`: names of the Spaces
    of user `admin`) and the admin's credentials (`password` None: not shown)."""
    api = env["PODIUM_PUBLIC_URL"]
    public = env["PODIUM_SPACES_PUBLIC_URL"]
    lines = ["", "Podium is running:",
             f"  console               {api}/  (sign in as {admin}, or sign up)",
             f"  control-plane API     {api}/api/",
             f"  API docs              {api}/api/docs",
             f"  Spaces router         {public} (a Space: http://NAME--OWNER.{public.partition('://')[2]})",
             f"  example SDK app       http://{args.host}:{args.app_port}/"]
    if share_url:
        lines += [f"  example app, shared   {share_url}  (a share link; see docs/share.md)"]
    lines += [f"  example Space         {url_of_space(public, admin, n)}  ({admin}/{n})" for n in spaces]
    if password is not None:
        lines += [f"  admin                 {admin} / {password}  (in {data_dir / 'admin-password'}; "
                  f"API token in {data_dir / 'admin-token'})"]
    lines += [f"  data                  {data_dir}",
              "Push your own Space from its folder (README.md front matter + app.py):",
              f"  podium login --server {api}      # paste an API token (console: Account > API tokens, or the admin's)",
              f"  podium push . --space {admin}/my-space",
              "Share an app on this machine at a public URL (share link, at most 7 days):",
              f"  export PODIUM_SHARE_SERVER={env['PODIUM_SHARE_SERVER']}",
              "  python app.py                  # with demo.launch(share=True); or: podium share 7860",
              "Ctrl-C stops everything (the data stays).", ""]
    return "\n".join(lines)
