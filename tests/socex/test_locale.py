"""The site's wording for allauth's strings: the committed .mo says what the .po
says (so an edit not compiled fails here), and it is the one Django uses."""

import ast
import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale/en_GB/LC_MESSAGES/django.po"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.MULTILINE)


def _entries() -> list[tuple[str, str]]:
    def text(block: str) -> str:
        return "".join(ast.literal_eval(line) for line in block.split("\n") if line)

    return [
        (text(msgid), text(msgstr))
        for msgid, msgstr in ENTRY.findall(PO.read_text())
        if text(msgid)
    ]


def test_compiled_catalogue_matches_the_po_file():
    entries = _entries()
    assert len(entries) > 30
    with translation.override("en-gb"):
        for msgid, msgstr in entries:
            assert translation.gettext(msgid) == msgstr, msgid


def test_sign_in_wording_is_log_in():
    with translation.override("en-gb"):
        assert translation.gettext("Sign In") == "Log in"
        assert translation.gettext("Sign Up") == "Sign up"
        assert translation.gettext("Sign Out") == "Log out"
    wording = " ".join(msgstr for _msgid, msgstr in _entries())
    assert "finalize" not in wording and "recognize" not in wording
