"""What the platform says is marked for translation, and translated in every language it offers.

Read from the source, without running it:
- a template's text and read attributes sit inside ``{% translate %}``/``{% blocktranslate %}``;
- ``gettext`` is never called while a module or class is being defined: that runs once, at
  import, in the default language, and every reader would then get English;
- the messages people read when something is refused or done (form and API validation errors,
  page messages, refusals the services raise) are gettext calls, not literal text;
- every catalogue is complete: extracting the strings afresh leaves no entry empty or fuzzy in
  any language but English.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = [
    p
    for p in ROOT.iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("tests", "benchmarks")
]

# --- Templates ---------------------------------------------------------------------------------

_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
_BLOCK = re.compile(
    r"{%\s*(?:blocktrans|blocktranslate)\b.*?{%\s*end(?:blocktrans|blocktranslate)\s*%}", re.S
)
_TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_NOT_TEXT = re.compile(r"<(script|style|code|pre|svg|kbd|samp)\b.*?</\1>", re.S | re.I)
_NOT_TRANSLATED = re.compile(r'<(\w+)\b[^>]*\btranslate="no"[^>]*>.*?</\1>', re.S)
_HTML_TAG = re.compile(r"<[^>]+>", re.S)
_READ_ATTRIBUTE = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')
# A word: three letters or more with a lower-case one, not inside a code or an entity.
_WORD = re.compile(r"(?<![A-Za-z0-9_&#])(?=[A-Za-z]*[a-z])[A-Za-z]{3,}(?![A-Za-z0-9_;])")
# Pages Django renders with no request context (the server error page) are marked too.
_TEMPLATE_SUFFIXES = ("*.html", "*.txt")


def _template_words(text: str) -> list[str]:
    text = _BLOCK.sub(" ", _COMMENT.sub(" ", text))
    found = [a for a in _READ_ATTRIBUTE.findall(_TEMPLATE_CODE.sub(" ", text)) if _WORD.search(a)]
    text = _TEMPLATE_CODE.sub(" ", _NOT_TRANSLATED.sub(" ", _NOT_TEXT.sub(" ", text)))
    text = _HTML_TAG.sub("\n", text)
    found += [line.strip() for line in text.splitlines() if _WORD.search(line)]
    return found


def test_template_words_are_found_outside_translate_tags_and_not_inside():
    sample = (
        '{% load i18n %}<h1 title="Open file">{% translate "Reports" %}</h1>'
        "<p>Saved {{ count }}</p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"
        '<span translate="no">RPT-1</span><code>curl x</code>{# note #}'
    )
    assert _template_words(sample) == ["Open file", "Saved"]


def test_every_template_marks_its_text_for_translation():
    unmarked = []
    for suffix in _TEMPLATE_SUFFIXES:
        for path in sorted((ROOT / "templates").rglob(suffix)):
            if path.parts[-2:] == ("api", "swagger_ui.html"):  # the vendor's own page
                continue
            for words in _template_words(path.read_text(encoding="utf-8")):
                unmarked.append(f"{path.relative_to(ROOT)}: {words[:90]!r}")
    assert not unmarked, "Text no translator sees (wrap it in {% translate %}):\n" + "\n".join(
        unmarked
    )


# --- Python ------------------------------------------------------------------------------------

_EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}
# Exceptions whose message is for the developer or the administrator's logs, not a reader.
_DEVELOPER_ERRORS = {
    "ImproperlyConfigured",
    "AssertionError",
    "TypeError",
    "RuntimeError",
    "NotImplementedError",
    "KeyError",
    "LookupError",
    "AttributeError",
    "CommandError",
    # The storage protocol's "no such file", for the logs.
    "FileNotFoundError",
    # The project's own: a developer's mistake; a broken audit checkpoint file (the integrity
    # report and the administrator's logs, stored as written); a PDF asking for a remote file.
    "MisuseError",
    "BrokenCheckpoints",
    "LocalOnlyFetchError",
}
_MESSAGE_FUNCTIONS = {"success", "error", "info", "warning", "add_message"}


def _python_files():
    for directory in SOURCE_DIRS:
        for path in sorted(directory.rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or "management" in rel.parts:
                continue
            yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _is_text(node) -> bool:
    """A literal sentence: a string constant or f-string with words, or one %-formatted."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value.strip() and bool(_WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _WORD.search(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_text(node.left)
    return False


def _texts(node):
    if _is_text(node):
        yield node
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            yield from _texts(element)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts(value)


def _name(call: ast.Call) -> tuple[str, str]:
    func = call.func
    if isinstance(func, ast.Attribute):
        base = func.value.id if isinstance(func.value, ast.Name) else ""
        return base, func.attr
    return "", getattr(func, "id", "")


def unmarked_messages(rel, tree) -> list[str]:
    found = []
    for node in ast.walk(tree):
        candidates = []
        if isinstance(node, ast.Call):
            base, name = _name(node)
            if base == "messages" and name in _MESSAGE_FUNCTIONS:
                candidates = node.args[1:]
            elif name == "ValidationError":
                candidates = list(node.args[:1])
            candidates += [k.value for k in node.keywords if k.arg in ("message", "detail")]
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            if _name(node.exc)[1] not in (_DEVELOPER_ERRORS | {"ValidationError"}):
                candidates = node.exc.args[:1]
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and getattr(node.targets[0].value, "id", "") in ("errors", "problems")
        ):
            candidates = [node.value]
        for candidate in candidates:
            for text in _texts(candidate):
                found.append(f"{rel}:{text.lineno}: {ast.unparse(text)[:90]}")
    return found


def eager_at_import(rel, tree) -> list[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names |= {a.asname or a.name for a in node.names if a.name in _EAGER}
    found: list[str] = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if (
                not in_function
                and isinstance(child, ast.Call)
                and getattr(child.func, "id", "") in names
            ):
                found.append(f"{rel}:{child.lineno}: {ast.unparse(child)[:90]}")
            visit(child, inside)

    if names:
        visit(tree, False)
    return found


def test_the_python_checks_find_what_they_look_for():
    source = (
        "from django.utils.translation import gettext as _\n"
        "TITLE = _('Reports')\n"
        "def f(errors):\n"
        "    raise ValidationError(f'The date {d} is wrong.')\n"
        "    errors['x'] = ['Give a number.']\n"
        "    messages.success(request, 'Report saved.')\n"
        "    messages.success(request, _('Report saved.'))\n"
        "    raise TypeError('not for readers at all')\n"
        "    return _('fine here')\n"
    )
    tree = ast.parse(source)
    assert [line.split(":")[1] for line in eager_at_import("m.py", tree)] == ["2"]
    assert sorted(line.split(":")[1] for line in unmarked_messages("m.py", tree)) == [
        "4",
        "5",
        "6",
    ]


def test_no_gettext_runs_at_import_time():
    found = [line for rel, tree in _python_files() for line in eager_at_import(rel, tree)]
    assert not found, (
        "gettext called while a module or class is defined runs once, in the default language; "
        "use gettext_lazy there:\n" + "\n".join(found)
    )


def test_messages_people_read_are_marked_for_translation():
    found = [line for rel, tree in _python_files() for line in unmarked_messages(rel, tree)]
    assert not found, "Messages no translator sees (wrap them in gettext):\n" + "\n".join(found)


# --- Catalogues --------------------------------------------------------------------------------

_ENTRY = re.compile(r"\n\n(?=(?:#.*\n)*(?:msgctxt|msgid) )")


def catalogue_gaps(po_text: str) -> list[str]:
    """The msgids of a .po file's entries that are empty or fuzzy (the header aside)."""
    gaps = []
    for block in _ENTRY.split(po_text.strip()):
        lines = block.splitlines()
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif key and line.startswith('"'):
                fields[key] += line[1:-1]
        if not fields.get("msgid"):
            continue  # the header
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        translations = [v for k, v in fields.items() if k.startswith("msgstr")]
        if fuzzy or not translations or any(not t for t in translations):
            gaps.append(fields["msgid"][:80])
    return gaps


def test_the_catalogue_reader_finds_empty_and_fuzzy_entries():
    po = (
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        'msgid "Done"\nmsgstr "Fait"\n\n'
        "#, fuzzy\n"
        'msgid "Open"\nmsgstr "Ouvert"\n\n'
        '#: a.py\nmsgid ""\n"Long "\n"text"\nmsgstr ""\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "Un"\nmsgstr[1] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr ""\n'
    )
    assert catalogue_gaps(po) == ["Open", "Long text", "One"]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """The project's catalogues with the strings extracted afresh from today's code."""
    copy = tmp_path_factory.mktemp("source") / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "node_modules",
            "staticfiles",
            "tests",
            "benchmarks",
            "docs",
            ".data",
            "__pycache__",
            "*.mo",
            ".mypy_cache",
            ".ruff_cache",
            ".pytest_cache",
        ),
    )
    languages = [code for code, _name in settings.LANGUAGES]
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete"]
    command += [f"--locale={code}" for code in languages]
    command += ["--add-location=file", "--ignore=static/vendor/*", "--ignore=staticfiles/*"]
    for domain in ("django", "djangojs"):
        if domain == "djangojs" and not list((copy / "locale").glob("*/LC_MESSAGES/djangojs.po")):
            continue
        subprocess.run(
            [*command, f"--domain={domain}"],
            cwd=copy,
            env={"PATH": "/usr/bin:/bin", "ILP_ENV": "test", "ILP_DATA_DIR": str(copy / ".data")},
            check=True,
            capture_output=True,
        )
    return copy / "locale"


@pytest.mark.parametrize("language", [c for c, _n in settings.LANGUAGES if c != "en"])
def test_every_string_is_translated_in_every_language(fresh_catalogues, language):
    gaps = []
    for po in sorted((fresh_catalogues / language / "LC_MESSAGES").glob("*.po")):
        gaps += [f"{po.name}: {msgid}" for msgid in catalogue_gaps(po.read_text("utf-8"))]
    assert not gaps, (
        f"{len(gaps)} strings have no {language} translation, or a fuzzy one (make messages, then "
        "translate them in locale/):\n" + "\n".join(gaps[:40])
    )
