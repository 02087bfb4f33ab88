"""One-page result sheets of schools, as PDF, for a region or a municipality at once.

A sheet shows the school's level per direction (a table with bars), its deficits by direction, the
path to the next overall level (:func:`marshrut.analytics.report.overall_path`, as on the result
page) and candidate partner schools per direction (:class:`marshrut.analytics.report.PartnerFinder`).

One page, always: a sheet is first laid out in full detail; a sheet that runs over the page is laid
out again denser (fewer deficits named per direction, fewer steps and partners, a smaller type —
:data:`DENSITIES`), and what is left out is counted on the sheet.

Speed (about 1,000 sheets in a region):

* the data of all sheets is read in a few queries, and the partners come from one index;
* sheets are laid out by WeasyPrint in batches of :data:`BATCH` — one HTML document of many
  pages — written as one PDF, and pdfium cuts a PDF per school out of it (WeasyPrint's own
  per-sheet ``write_pdf`` subsets the fonts again for every school);
* batches run in :data:`WORKERS` forked processes, which inherit WeasyPrint already imported;
* the bars are HTML boxes in the colours of :data:`marshrut.analytics.charts.LEVEL_COLOURS`, not
  vl-convert charts (0.3–0.5 s each).
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from marshrut.analytics.charts import LEVEL_COLOURS
from marshrut.analytics.report import (
    DirectionPartners,
    PartnerFinder,
    SchoolDeficit,
    Step,
    overall_path,
    school_deficits,
)
from marshrut.diagnostics.models import DONE, Campaign, Result, Submission
from marshrut.diagnostics.scoring import answers_of
from marshrut.kernels.criteria import level_name
from marshrut.orgs.models import Municipality

BATCH = 40
"""Sheets laid out per WeasyPrint run: larger batches save little and cost memory."""

WORKERS = 2
"""Processes that lay out sheets in parallel (setting ``SHEET_WORKERS``; 1: in the calling process)."""


@dataclass(frozen=True)
class Density:
    """How much of a sheet is spelled out."""

    deficits: int  # deficits named per direction (the rest are counted)
    steps: int  # steps of the path to the next level
    partners: int  # partner schools per direction
    font: float  # pt

    @property
    def font_size(self) -> str:
        """For CSS (Django would print the number with a decimal comma in Russian)."""
        return f"{self.font:g}pt"


DENSITIES = (
    Density(deficits=3, steps=6, partners=3, font=10.0),
    Density(deficits=2, steps=5, partners=2, font=9.5),
    Density(deficits=1, steps=4, partners=2, font=9.0),
    Density(deficits=1, steps=3, partners=1, font=8.5),
    Density(deficits=0, steps=2, partners=1, font=8.0),
)
"""From the fullest to the densest; a sheet takes the first that fits on one page."""

LINE_WIDTH = 496.0
"""pt between the side margins (21 cm − 2 cm − 1.5 cm)."""


@dataclass
class ScopeLine:
    name: str
    level: str
    level_name: str
    share: float
    colour: str

    @property
    def percent(self) -> int:
        return round(100 * self.share)


@dataclass
class DeficitLine:
    direction: str
    shown: list[SchoolDeficit]
    count: int

    @property
    def hidden(self) -> int:
        return self.count - len(self.shown)


@dataclass
class Sheet:
    school_id: int
    short_name: str
    full_name: str
    municipality: str
    campaign: str
    scopes: list[ScopeLine]
    deficits: dict[str, list[SchoolDeficit]]  # direction name → deficits, critical first
    deficit_count: int
    current: str
    target: str | None
    reachable: bool
    steps: list[Step]  # the whole path
    partners: list[DirectionPartners]
    illustrative: bool
    generated_on: dt.date | None = None  # «today» in the campaign's region
    density: int = 0  # index into DENSITIES

    @property
    def filename(self) -> str:
        safe = re.sub(r'[\\/:*?"<>|«»]+', "", self.short_name).strip() or "школа"
        return f"{self.municipality[:40]}/{safe[:80]} ({self.school_id}).pdf"

    @property
    def layout(self) -> Density:
        return DENSITIES[self.density]

    @property
    def deficit_lines(self) -> list[DeficitLine]:
        n = self.layout.deficits
        return [DeficitLine(d, items[:n], len(items)) for d, items in self.deficits.items()]

    @property
    def shown_steps(self) -> list[Step]:
        return self.steps[: self.layout.steps]

    @property
    def hidden_steps(self) -> int:
        return len(self.steps) - len(self.shown_steps)

    @property
    def shown_partners(self) -> list[tuple[str, str]]:
        n = self.layout.partners
        return [(p.direction, ", ".join(map(str, p.schools[:n]))) for p in self.partners]


def estimated_height(sheet: Sheet, density: int) -> float:
    """Roughly how tall the sheet is at a density, in pt: lines of text by their length (Times
    New Roman averages 0.47 em a character in this Russian text) and the fixed parts as laid out
    by ``sheet.html``. Only used to pick the first density to try, so one layout usually suffices;
    the layout itself decides whether a sheet fits."""
    layout, f = DENSITIES[density], DENSITIES[density].font
    line = 1.2 * f
    per_line = (LINE_WIDTH - f) / (0.47 * f)

    def lines(length: int) -> int:
        return max(1, -(-length // int(per_line)))

    fixed = 1.4 * line + 2 + 2 * 0.95 * line + 4 * 2.53 * f + 11 * (line + 2.5) + 3 * line
    count = 0
    for direction, items in sheet.deficits.items():
        shown = items[: layout.deficits]
        text = len(direction) + 6 + sum(len(d.text) + 2 for d in shown)
        count += lines(text + (12 if len(items) > len(shown) else 0))
    for step in sheet.steps[: layout.steps]:
        count += lines(len(step.text) + len(step.answer) + 20)
    for p in sheet.partners:
        count += lines(
            len(p.direction) + 2 + sum(len(str(x)) + 2 for x in p.schools[: layout.partners])
        )
    return fixed + count * (line + 1)


FIT = 766.0
"""The estimate that fits (the page holds 774 pt: 29.7 cm less 2 × 1.2 cm of margins): of 240
sheets of the benchmark region laid out at the two fullest densities, every sheet estimated below
767 pt fitted on its page and, but for two, every one estimated at 767 pt or more did not."""


def first_density(sheet: Sheet) -> int:
    """The fullest density whose estimated height fits the page."""
    for n in range(len(DENSITIES)):
        if estimated_height(sheet, n) <= FIT:
            return n
    return len(DENSITIES) - 1


def sheets_for(
    campaign: Campaign,
    municipality: Municipality | None = None,
    school_ids: Sequence[int] | None = None,
) -> Iterator[Sheet]:
    """The sheets of the scored schools, in municipality and school order (a few queries)."""
    catalogue = campaign.criteria.catalogue
    subs = Submission.objects.filter(campaign=campaign, status__in=DONE).select_related(
        "school__municipality"
    )
    if municipality is not None:
        subs = subs.filter(school__municipality=municipality)
    if school_ids is not None:
        subs = subs.filter(school_id__in=list(school_ids))
    submissions = list(subs.order_by("school__municipality__name", "school__short_name", "pk"))
    results: dict[int, dict[str, tuple[str, float, float]]] = defaultdict(dict)
    for sid, scope, level, points, max_points in Result.objects.filter(
        submission__in=[s.pk for s in submissions]
    ).values_list("submission_id", "scope", "level", "points", "max_points"):
        results[sid][scope] = (level, points, max_points)
    deficits = school_deficits(campaign, catalogue, [s.school_id for s in submissions])
    answers = answers_of(submissions)
    codes = {d.code for per in deficits.values() for items in per.values() for d in items}
    finder = PartnerFinder(campaign, codes) if codes else None
    limit = DENSITIES[0].partners
    names = [("overall", "Итого по ОО")] + [(d.code, d.name) for d in catalogue.directions]
    for sub in submissions:
        rows = results.get(sub.pk)
        if not rows or "overall" not in rows:
            continue
        scopes = []
        for code, name in names:
            if code in rows:
                level, points, max_points = rows[code]
                share = points / max_points if max_points else 0.0
                scopes.append(
                    ScopeLine(name, level, level_name(level), share, LEVEL_COLOURS[level])
                )
        path = overall_path(catalogue, sub.profile, answers.get(sub.pk, {}))
        per = deficits.get(sub.school_id, {})
        yield Sheet(
            school_id=sub.school_id,
            short_name=sub.school.short_name,
            full_name=sub.school.full_name,
            municipality=sub.school.municipality.name,
            campaign=campaign.title,
            generated_on=campaign.region.today(),
            scopes=scopes,
            # Critical deficits first: they cap the level whatever the points.
            deficits={
                d: sorted(items, key=lambda x: x.kind != "critical") for d, items in per.items()
            },
            deficit_count=sum(len(items) for items in per.values()),
            current=level_name(rows["overall"][0]),
            target=path.target,
            reachable=path.reachable,
            steps=path.steps,
            partners=finder(sub.school_id, per, limit) if finder else [],
            illustrative=catalogue.illustrative,
        )


_fonts: Any = None


def _font_config() -> Any:
    """One WeasyPrint font configuration per process (fontconfig is set up once, not per run)."""
    global _fonts
    if _fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        _fonts = FontConfiguration()
    return _fonts


def _layout(sheets: Sequence[Sheet]) -> tuple[Any, list[tuple[int, int]]]:
    """The sheets laid out in one WeasyPrint run, and each sheet's pages (start, end)."""
    import weasyprint

    # The density is a class, not a style attribute: WeasyPrint then shares the computed styles
    # of equal elements across the sheets of a batch.
    html = render_to_string(
        "analytics/sheet.html",
        {"sheets": sheets, "densities": DENSITIES},
    )
    fonts = _font_config()
    document = weasyprint.HTML(string=html).render(font_config=fonts)
    # Each sheet starts with an anchor; pages without one continue the sheet before.
    starts = [
        n
        for n, page in enumerate(document.pages)
        if any(a.startswith("sheet-") for a in page.anchors)
    ]
    if len(starts) != len(sheets):
        raise RuntimeError("листы школ разметились неверно")
    return document, list(zip(starts, [*starts[1:], len(document.pages)], strict=True))


def _split(pdf: bytes, spans: Sequence[tuple[int, int]]) -> list[bytes]:
    """One PDF per span of pages of ``pdf``."""
    import pypdfium2

    source = pypdfium2.PdfDocument(pdf)
    out = []
    try:
        for start, end in spans:
            part = pypdfium2.PdfDocument.new()
            try:
                part.import_pages(source, list(range(start, end)))
                buffer = io.BytesIO()
                part.save(buffer)
            finally:
                part.close()
            out.append(buffer.getvalue())
    finally:
        source.close()
    return out


def render_batch(sheets: Sequence[Sheet]) -> list[bytes]:
    """One PDF per sheet, laid out in one WeasyPrint run, and in another, denser, for the sheets
    that did not fit on their page (a sheet that overflows even at the densest keeps its pages)."""
    sheets = list(sheets)
    for sheet in sheets:
        sheet.density = max(sheet.density, first_density(sheet))
    out: dict[int, bytes] = {}
    pending = list(range(len(sheets)))
    densest = len(DENSITIES) - 1
    while pending:
        document, spans = _layout([sheets[i] for i in pending])
        done = [
            (i, span)
            for i, span in zip(pending, spans, strict=True)
            if span[1] - span[0] == 1 or sheets[i].density == densest
        ]
        if done:
            # One PDF for the batch (fonts subset once), cut apart by pdfium.
            pages = [page for _, (start, end) in done for page in document.pages[start:end]]
            cuts, at = [], 0
            for _, (start, end) in done:
                cuts.append((at, at + end - start))
                at += end - start
            parts = _split(document.copy(pages).write_pdf(), cuts)
            out.update((i, pdf) for (i, _), pdf in zip(done, parts, strict=True))
        pending = [i for i in pending if i not in out]
        for i in pending:
            sheets[i].density += 1
    return [out[i] for i in range(len(sheets))]


def build_zip(
    campaign: Campaign,
    municipality: Municipality | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bytes, int]:
    """The ZIP of the sheets and how many schools it holds; ``progress(done, total)``."""
    sheets = list(sheets_for(campaign, municipality))
    total = len(sheets)
    chunks = [sheets[start : start + BATCH] for start in range(0, total, BATCH)]
    buffer = io.BytesIO()
    done = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for chunk, pdfs in zip(chunks, _rendered(chunks), strict=True):
            for sheet, pdf in zip(chunk, pdfs, strict=True):
                archive.writestr(sheet.filename, pdf)
            done += len(chunk)
            if progress:
                progress(done, total)
    return buffer.getvalue(), total


def _rendered(chunks: list[list[Sheet]]) -> Iterator[list[bytes]]:
    """Batches laid out in order; on several cores by forked processes (layout is CPU-bound and
    the children touch no database: the sheets carry all their data)."""
    workers = min(getattr(settings, "SHEET_WORKERS", WORKERS), os.cpu_count() or 1, len(chunks))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(render_batch, chunks)
        return
    # Imported before the fork, so that each worker does not load WeasyPrint (and parse the
    # C declarations of its libraries) again.
    import pypdfium2  # noqa: F401
    import weasyprint  # noqa: F401

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(render_batch, chunks)


def one_pdf(campaign: Campaign, school_id: int) -> bytes | None:
    """The sheet of one school, or None when it has no result."""
    sheets = list(sheets_for(campaign, school_ids=[school_id]))
    return render_batch(sheets)[0] if sheets else None
