"""Sphinx extension: "open in Colab" and repository buttons, switched on by the repository's public address.

Colab opens a notebook from a public GitHub repository, so the buttons can only point somewhere real once the book's
repository is published. Set its address when building and every chapter gets the buttons::

    GANTUTOR_REPO_URL=https://github.com/<owner>/<repo> make book       # GANTUTOR_REPO_BRANCH: default main

Unset, the book has no launch buttons (never a link to a repository that does not exist); the download button
(.ipynb) is always there. A value that Colab cannot open is an error that says what to set instead.
"""

from __future__ import annotations

import os
import re

from sphinx.errors import ConfigError

COLAB = "https://colab.research.google.com"
_GITHUB = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def launch_options(url: str | None, branch: str | None = None) -> dict:
    """The theme options that add Colab and repository buttons for ``url`` (``{}`` when ``url`` is empty)."""
    url = (url or "").strip().rstrip("/")
    if url.endswith(".git"):
        url = url[:-4]
    if not url:
        return {}
    if not _GITHUB.match(url):
        raise ConfigError(f"GANTUTOR_REPO_URL={url!r} is not a GitHub repository address; Colab opens notebooks "
                          f"only from github.com. Set it to https://github.com/<owner>/<repo>, or unset it to build "
                          f"without launch buttons.")
    return {"repository_url": url, "repository_branch": (branch or "main").strip() or "main", "path_to_docs": "",
            "use_repository_button": True, "launch_buttons": {"colab_url": COLAB, "notebook_interface": "classic"}}


def _configure(app, config):
    extra = launch_options(os.environ.get("GANTUTOR_REPO_URL"), os.environ.get("GANTUTOR_REPO_BRANCH"))
    if extra:
        config.html_theme_options = {**config.html_theme_options, **extra}


def setup(app):
    # before sphinx-book-theme reads its options (builder-inited)
    app.connect("config-inited", _configure)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
