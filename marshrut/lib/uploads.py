"""What a file must be to be accepted: one check for every upload of the web pages and the CLI.

Each kind of upload has a :class:`Policy`: the formats it takes and the size limit from the
settings. :func:`check_upload` refuses, with a Russian message, an empty file, a file over the
limit, a format outside the policy (found by content: offices rename files freely), a container
that unpacks into more than the budget (a «zip bomb») or carries a DTD (XXE), and — for evidence,
which is later served with a type taken from its name — a file whose content does not match its
extension (a PNG named .xlsx, a program named .pdf). :class:`UploadField` runs it in forms;
the CLI commands call :func:`check_upload` on the bytes they read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marshrut.kernels.archives import ArchiveError, inspect_zip
from marshrut.kernels.tables import TableError, check_table

# Formats as found by content, with the name the user knows them by.
FORMAT_NAMES = {
    "pdf": gettext_lazy("документ PDF"),
    "docx": gettext_lazy("документ Word (DOCX)"),
    "xlsx": gettext_lazy("книга Excel (XLSX)"),
    "odt": gettext_lazy("документ LibreOffice (ODT)"),
    "ods": gettext_lazy("таблица LibreOffice (ODS)"),
    "xls": gettext_lazy("книга Excel 97–2003 (XLS)"),
    "doc": gettext_lazy("документ Word 97–2003 (DOC)"),
    "jpeg": gettext_lazy("изображение JPEG"),
    "png": gettext_lazy("изображение PNG"),
    "tiff": gettext_lazy("изображение TIFF"),
    "text": gettext_lazy("текст"),
    "zip": gettext_lazy("ZIP-архив"),
    "exe": gettext_lazy("программа"),
    "html": gettext_lazy("веб-страница (HTML)"),
    "svg": gettext_lazy("рисунок SVG"),
    "gif": gettext_lazy("изображение GIF"),
}

# The format each extension promises.
EXTENSION_FORMATS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "odt": "odt",
    "ods": "ods",
    "xls": "xls",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "tif": "tiff",
    "tiff": "tiff",
    "txt": "text",
    "csv": "text",
    "tsv": "text",
    "yaml": "text",
    "yml": "text",
    "json": "text",
}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_MARKUP = re.compile(rb"^\s*<(?:!doctype\s+html|html|svg|\?xml|script|body|head)", re.IGNORECASE)


@dataclass(frozen=True)
class Policy:
    """The formats an upload takes and the setting that limits its size."""

    extensions: tuple[str, ...]
    limit_setting: str
    # How the content is judged: "sniff" — by its format among the extensions' (evidence is
    # served back, so its extension must also say what it is when ``strict_extension``);
    # "table" — by the table reader's own first look, with its messages; "reader" — left to
    # the reader the upload goes to at once (roadmap documents), beyond the ZIP checks.
    content: str = "sniff"
    strict_extension: bool = False

    @property
    def formats(self) -> frozenset[str]:
        return frozenset(EXTENSION_FORMATS[e] for e in self.extensions)

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

    @property
    def accept(self) -> str:
        return ",".join(f".{e}" for e in self.extensions)

    def describe(self) -> str:
        return ", ".join(e.upper() for e in self.extensions if e not in ("jpeg", "yml", "tif"))


# Evidence and documents people attach for others to read.
EVIDENCE = Policy(
    ("pdf", "docx", "xlsx", "odt", "ods", "jpg", "jpeg", "png", "txt", "csv"),
    "EVIDENCE_MAX_BYTES",
    strict_extension=True,
)
# Tables read by an import (registry, campaign results, events).
TABLE = Policy(("xlsx", "xls", "ods", "csv", "txt", "tsv"), "IMPORT_MAX_BYTES", content="table")
# Roadmap documents, and their scans (read by OCR).
PLAN_DOCUMENT = Policy(
    ("docx", "xlsx", "xls", "pdf", "txt", "png", "jpg", "jpeg", "tif", "tiff"),
    "IMPORT_MAX_BYTES",
    content="reader",
)
# Criteria catalogues (YAML; JSON is YAML too).
CATALOGUE = Policy(("yaml", "yml", "json", "txt"), "CRITERIA_MAX_BYTES")


def hints(policy: Policy, prefix: str) -> dict[str, str]:
    """Template context for a bare file input: ``<prefix>_accept`` and ``<prefix>_limit`` (МБ)."""
    return {f"{prefix}_accept": policy.accept, f"{prefix}_limit": size_text(policy.limit)}


def megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def size_text(size: int) -> str:
    """«1,5 МБ», «12 КБ», «300 байт»: a size as people read it."""
    if size >= 2**20:
        return _("%(n)s МБ") % {"n": megabytes(size)}
    if size >= 1024:
        return _("%(n)s КБ") % {"n": f"{size / 1024:.0f}"}
    return _("%(n)s байт") % {"n": size}


def sniff(data: bytes) -> str | None:
    """The format of ``data`` by its content (a key of :data:`FORMAT_NAMES`), or None."""
    head = data[:2048]
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"  # refined by the container's members in check_upload
    if head.startswith(_OLE2):
        return "doc" if "WordDocument".encode("utf-16-le") in data else "xls"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"GIF8"):
        return "gif"
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return "exe"
    if decode_text(data) is None:
        return None
    # A page or a drawing would run as script if a browser ever showed it.
    lowered = head.lower()
    if b"<svg" in lowered:
        return "svg"
    if _MARKUP.match(head.lstrip(codecs.BOM_UTF8)) and (
        b"<html" in lowered or b"<script" in lowered or b"<body" in lowered
    ):
        return "html"
    return "text"


def decode_text(data: bytes) -> str | None:
    """Text of ``data`` if it is text in UTF-8, UTF-16 with BOM or Windows-1251; else None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
        return None if _CONTROL.search(text.encode("utf-8")) else text
    if _CONTROL.search(data[: 1024 * 1024]):
        return None
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _inspect_container(data: bytes, policy: Policy) -> frozenset[str]:
    budget = settings.UPLOAD_MAX_UNPACKED_BYTES
    try:
        return inspect_zip(data, max_unpacked=budget).names
    except ArchiveError as error:
        raise ValidationError(error.message, code="archive") from None


def _container_format(data: bytes, names: frozenset[str]) -> str:
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names:
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            mimetype = archive.read("mimetype")[:100]
        if mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
            return "odt"
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
    return "zip"


def check_upload(data: bytes, filename: str, policy: Policy) -> str:
    """Refuse ``data`` named ``filename`` unless ``policy`` takes it; return its format.

    Raises ValidationError with a Russian message naming the file.
    """
    name = PurePath(filename or "").name or _("без имени")
    if not data:
        raise ValidationError(_("Файл «%(name)s» пуст.") % {"name": name}, code="empty")
    limit = policy.limit
    if len(data) > limit:
        raise ValidationError(
            _("Файл «%(name)s» слишком большой: %(size)s, допускается не более %(limit)s.")
            % {"name": name, "size": size_text(len(data)), "limit": size_text(limit)},
            code="too_big",
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    if policy.strict_extension and extension not in policy.extensions:
        raise ValidationError(
            _("Файлы с расширением «%(ext)s» не принимаются. Можно загрузить: %(kinds)s.")
            % {"ext": extension or _("без расширения"), "kinds": policy.describe()},
            code="extension",
        )
    found = sniff(data)
    if found == "zip":
        found = _container_format(data, _inspect_container(data, policy))
    if policy.content == "table":
        try:
            check_table(data)
        except TableError as error:
            raise ValidationError(
                _("Файл «%(name)s» не принят: %(why)s") % {"name": name, "why": error.message},
                code="format",
            ) from None
        return found or "text"
    if policy.content == "reader":
        return found or "text"
    if found not in policy.formats:
        what = FORMAT_NAMES.get(found or "", _("неизвестный двоичный формат"))
        raise ValidationError(
            _("Файл «%(name)s» не принят: по содержимому это %(what)s. Можно загрузить: %(kinds)s.")
            % {"name": name, "what": what, "kinds": policy.describe()},
            code="format",
        )
    if policy.strict_extension and EXTENSION_FORMATS[extension] != found:
        raise ValidationError(
            _(
                "Файл «%(name)s» не принят: расширение говорит «%(ext)s», а по содержимому это "
                "%(what)s. Сохраните файл в нужном формате или исправьте расширение."
            )
            % {"name": name, "ext": extension, "what": FORMAT_NAMES[found]},
            code="mismatch",
        )
    return found


def refusal(data: bytes, filename: str, policy: Policy) -> str | None:
    """Why :func:`check_upload` refuses the file, for an import report; None if it does not."""
    try:
        check_upload(data, filename, policy)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


class UploadField(forms.FileField):
    """A file field that checks the upload against a :class:`Policy`."""

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        self.policy = policy
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": policy.accept}))
        # An empty file is refused by check_upload, with its name.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)
        if not self.help_text:
            # Lazy: forms are built at import, before the language and the settings are known.
            self.help_text = lazy(self._hint, str)()

    def _hint(self) -> str:
        return _("%(kinds)s; не более %(limit)s") % {
            "kinds": self.policy.describe(),
            "limit": size_text(self.policy.limit),
        }

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload and upload is not initial and hasattr(upload, "read"):
            check_file(upload, self.policy)
        return upload


def check_file(upload: Any, policy: Policy) -> None:
    """:func:`check_upload` on an uploaded file, read once and rewound for its next reader."""
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > policy.limit:
        # Refused before it is read into memory.
        raise ValidationError(
            _("Файл «%(name)s» слишком большой: %(size)s, допускается не более %(limit)s.")
            % {
                "name": PurePath(name).name,
                "size": size_text(size),
                "limit": size_text(policy.limit),
            },
            code="too_big",
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    check_upload(data, name, policy)


class MultiUploadInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiUploadField(UploadField):
    """Several files at once, each checked against the policy; cleans to a list."""

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultiUploadInput(attrs={"multiple": True, "accept": policy.accept})
        )
        super().__init__(*args, policy=policy, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [UploadField.clean(self, d, initial) for d in data if d is not None]
        return [UploadField.clean(self, data, initial)] if data else []
