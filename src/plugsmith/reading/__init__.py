"""What a person reads to judge a release: its files as text, a diff between two releases, and its
provenance as a short story. Shared by ``plugsmith hub show|diff`` and the hub's web pages.

    from plugsmith.reading import diff_releases, provenance_story, release_files

    files = release_files(hub, release)          # {"plugin.py": SourceFile(text=…, problem=None), …}
    diff = diff_releases(hub, older, release)    # diff.summary, diff.files[i].lines
    for step in provenance_story(release, signature=sig):
        print(step.title, step.text)
"""

from plugsmith.reading._diff import FileDiff, ReleaseDiff, diff_files, diff_releases, previous_version
from plugsmith.reading._source import (
    CASES,
    CODE,
    MANIFEST,
    README,
    SourceFile,
    decode,
    missing,
    read_tree,
    release_files,
)
from plugsmith.reading._story import Step, confirmed, provenance_story, synthesis_record_of

__all__ = [
    "CASES",
    "CODE",
    "MANIFEST",
    "README",
    "FileDiff",
    "ReleaseDiff",
    "SourceFile",
    "Step",
    "confirmed",
    "decode",
    "diff_files",
    "diff_releases",
    "missing",
    "previous_version",
    "provenance_story",
    "read_tree",
    "release_files",
    "synthesis_record_of",
]
