"""The English catalogues keep up with the code: every message the source marks for translation (the
pages' in django.po, their scripts' in djangojs.po) has an English translation (none untranslated,
none fuzzy: both would show Chinese to an English user), and each committed .mo is its compiled .po.

When a test here fails: `make messages`, translate the listed entries in locale/en/LC_MESSAGES/*.po
(remove each `#, fuzzy` flag and its `#| msgid` line after checking the guess), then `make messages`
again to compile."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

PROJECT = Path(__file__).resolve().parents[2]
LOCALE = PROJECT / "locale"
CATALOGUES = LOCALE / "en" / "LC_MESSAGES"
# The pages' texts (django) and their scripts' (djangojs, served by /jsi18n/).
DOMAINS = ("django", "djangojs")

# The same options as `make messages` (Makefile).
MAKEMESSAGES_OPTIONS = {"locale": ["en"], "add_location": "file", "no_obsolete": True}
MAKEMESSAGES_IGNORE = (".venv", "benchmarks", "tests")
MAKEMESSAGES_IGNORE_JS = ("static/vendor",)  # third-party scripts: not ours to translate
# makemessages' default extensions for the "django" domain: the only files it reads.
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".js"}

GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
MISSING_TOOLS = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]


def untranslated_or_fuzzy(path: Path) -> list[str]:
    """One line per live entry (not the header, not obsolete) that an English user would see in Chinese."""
    catalogue = polib.pofile(str(path))
    fuzzy = catalogue.fuzzy_entries()
    problems = [(entry, "fuzzy") for entry in fuzzy]
    problems += [(entry, "untranslated") for entry in catalogue.untranslated_entries() if entry not in fuzzy]
    return [f"{kind}: {entry.msgid!r} ({', '.join(f for f, _ in entry.occurrences) or 'no location'})"
            for entry, kind in sorted(problems, key=lambda problem: catalogue.index(problem[0]))]


def copy_sources(destination: Path) -> Path:
    """The project's translatable files (.py, .html, .txt, .js) copied to `destination`, so that makemessages
    runs there and writes nothing into the checkout (it writes a template's `.html.py` beside it, and
    its .pot and .po into the locale dir). Skipped as makemessages skips them: hidden directories,
    `locale` dirs (the caller copies the catalogue), STATIC_ROOT, MEDIA_ROOT; also VAR_DIR (runtime data)
    and the third-party scripts makemessages is told to ignore."""
    skipped_dirs = {
        Path(p).resolve()
        for p in (django_settings.STATIC_ROOT, django_settings.MEDIA_ROOT, getattr(django_settings, "VAR_DIR", None))
        if p
    } | {(PROJECT / folder).resolve() for folder in MAKEMESSAGES_IGNORE_JS}

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set()
        for name in names:
            path = Path(directory, name)
            if path.is_dir():
                if name.startswith(".") or name in ("locale", "__pycache__", *MAKEMESSAGES_IGNORE) \
                        or path.resolve() in skipped_dirs:
                    ignored.add(name)
            elif path.suffix not in SOURCE_SUFFIXES:
                ignored.add(name)
        return ignored

    shutil.copytree(PROJECT, destination, ignore=ignore)
    return destination


def mo_catalog(catalogue: polib._BaseFile) -> dict[tuple[str | None, str, str], tuple[str, ...]]:
    """(context, msgid, plural msgid) → translations, of the entries a compiled catalogue holds."""
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural): (entry.msgstr, *entry.msgstr_plural.values())
            for entry in catalogue.translated_entries() if entry.msgid}


def test_reading_a_po_file_finds_untranslated_and_fuzzy_entries(tmp_path):
    """The check itself: the header, translated, plural and obsolete entries pass; the others are listed."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py\nmsgid "事项"\nmsgstr "Matter"\n\n'
        '#: a.py\nmsgid "签"\n"收"\nmsgstr ""\n\n'
        '#: b.html\n#, fuzzy, python-format\n#| msgid "旧的 %(n)s"\nmsgid "新的 %(n)s"\nmsgstr "Old %(n)s"\n\n'
        '#: c.html\nmsgid "%(n)s 张照片"\nmsgid_plural "%(n)s 张照片"\nmsgstr[0] "%(n)s photo"\nmsgstr[1] ""\n\n'
        '#: c.html\nmsgid "%(n)s 人"\nmsgid_plural "%(n)s 人"\nmsgstr[0] "%(n)s person"\n'
        'msgstr[1] "%(n)s people"\n\n'
        '#~ msgid "删掉的"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    assert untranslated_or_fuzzy(po) == [
        "untranslated: '签收' (a.py)",
        "fuzzy: '新的 %(n)s' (b.html)",
        "untranslated: '%(n)s 张照片' (c.html)",
    ]


@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_catalogue_has_no_untranslated_or_fuzzy_entry(domain):
    po = CATALOGUES / f"{domain}.po"
    problems = untranslated_or_fuzzy(po)
    assert not problems, f"{po.relative_to(PROJECT)} shows Chinese to English users for:\n" + "\n".join(problems)


@pytest.mark.skipif(bool(MISSING_TOOLS), reason=f"GNU gettext is not installed ({', '.join(MISSING_TOOLS)} "
                    "not on PATH): apt-get install gettext")
def test_every_message_in_the_source_has_an_english_translation(tmp_path, settings, monkeypatch):
    """Regenerate the catalogue from the current source as `make messages` does, into a copy of the
    project (the checkout's locale dir is never written), and look for new or fuzzy entries."""
    mirror = copy_sources(tmp_path / "project")
    shutil.copytree(LOCALE, mirror / "locale")
    settings.LOCALE_PATHS = [str(mirror / "locale")]
    monkeypatch.chdir(mirror)  # makemessages reads the tree under the current directory
    call_command("makemessages", **MAKEMESSAGES_OPTIONS, ignore_patterns=list(MAKEMESSAGES_IGNORE), verbosity=0)
    call_command("makemessages", **MAKEMESSAGES_OPTIONS, domain="djangojs",
                 ignore_patterns=[*MAKEMESSAGES_IGNORE, *MAKEMESSAGES_IGNORE_JS], verbosity=0)

    regenerated = {domain: mirror / (CATALOGUES / f"{domain}.po").relative_to(PROJECT) for domain in DOMAINS}
    assert len(polib.pofile(str(regenerated["django"]))) > 1000, "makemessages wrote no catalogue"
    assert len(polib.pofile(str(regenerated["djangojs"]))) > 5, "makemessages wrote no catalogue for the scripts"
    problems = [problem for path in regenerated.values() for problem in untranslated_or_fuzzy(path)]
    assert not problems, (
        "Messages in the source without an English translation: run `make messages`, translate these in "
        f"{CATALOGUES.relative_to(PROJECT)} (check each fuzzy guess and remove its flag), then `make messages` again:\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_mo_is_the_compiled_po(domain):
    po, mo = CATALOGUES / f"{domain}.po", CATALOGUES / f"{domain}.mo"
    expected, committed = mo_catalog(polib.pofile(str(po))), mo_catalog(polib.mofile(str(mo)))
    differ = sorted((key for key in expected.keys() | committed.keys() if expected.get(key) != committed.get(key)),
                    key=repr)
    assert not differ, (
        f"{mo.relative_to(PROJECT)} is not the compiled {po.name}: run `make messages` (or compilemessages). "
        f"{len(differ)} messages differ, e.g.:\n" + "\n".join(repr(key) for key in differ[:20])
    )
