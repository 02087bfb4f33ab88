"""One-page result sheets of schools, as PDF, for a region or a municipality at once.

A sheet shows the school's level per direction (a table and a bar chart), its deficits, the path to
the next overall level (:func:`marshrut.kernels.scoring.next_level_path`, as on the result page)
and its candidate partner schools.

Speed: all results, deficits and answers of the chosen schools are read in a few queries; the
sheets are laid out by WeasyPrint in batches (one HTML document of many pages, then one PDF per
school cut out of it), which is several times faster than one WeasyPrint run per school. The chart
of a sheet is drawn as HTML bars in the colours of :data:`marshrut.analytics.charts.LEVEL_COLOURS`
rather than through vl-convert, which costs 0.3–0.5 s per chart — minutes for a region.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from marshrut.analytics.charts import LEVEL_COLOURS
from marshrut.analytics.report import SchoolDeficit, partner_finder, school_deficits
from marshrut.diagnostics.models import DONE, Campaign, Result, Submission
from marshrut.diagnostics.scoring import answers_of
from marshrut.kernels.criteria import Catalogue, Indicator, level_name
from marshrut.kernels.scoring import LevelPath, next_level_path
from marshrut.orgs.models import Municipality

BATCH = 40
"""Sheets laid out per WeasyPrint run: larger batches save little and cost memory."""

MAX_DEFICITS = 14
"""Deficits listed on a sheet (the rest are counted), so that it stays one page."""

MAX_STEPS = 8

WORKERS = 2
"""Processes that lay out sheets in parallel (setting ``SHEET_WORKERS``; 1: in the calling process)."""


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
class Step:
    code: str
    text: str
    answer: str
    gain: float
    critical: bool


@dataclass
class Sheet:
    school_id: int
    short_name: str
    full_name: str
    municipality: str
    campaign: str
    scopes: list[ScopeLine]
    deficits: dict[str, list[SchoolDeficit]]
    deficit_count: int
    current: str
    target: str | None
    steps: list[Step]
    partners: list[str] | None
    illustrative: bool

    @property
    def filename(self) -> str:
        safe = re.sub(r'[\\/:*?"<>|«»]+', "", self.short_name).strip() or "школа"
        return f"{self.municipality[:40]}/{safe[:80]} ({self.school_id}).pdf"

    @property
    def shown_deficits(self) -> list[tuple[str, list[SchoolDeficit]]]:
        out, left = [], MAX_DEFICITS
        for direction, items in self.deficits.items():
            if left <= 0:
                break
            out.append((direction, items[:left]))
            left -= len(items[:left])
        return out

    @property
    def hidden_deficits(self) -> int:
        return max(self.deficit_count - MAX_DEFICITS, 0)


def _answer_text(indicator: Indicator | None, value: object) -> str:
    if indicator is None:
        return str(value)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, tuple | list):
        texts = [o.text for code in value if (o := indicator.option(str(code))) is not None]
        return "; ".join(texts) or "—"
    if indicator.type == "single":
        option = indicator.option(str(value))
        return option.text if option else str(value)
    unit = " %" if indicator.type == "percent" else (f" {indicator.unit}" if indicator.unit else "")
    number = f"{value:g}" if isinstance(value, float) else str(value)
    return f"не менее {number}{unit}"


def _steps(catalogue: Catalogue, path: LevelPath | None) -> list[Step]:
    if path is None or not path.reachable:
        return []
    out = []
    for s in path.steps[:MAX_STEPS]:
        indicator = catalogue.indicators.get(s.indicator)
        out.append(
            Step(
                s.indicator,
                indicator.text if indicator else s.indicator,
                _answer_text(indicator, s.to_answer),
                s.gain,
                s.critical,
            )
        )
    return out


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
    finder = partner_finder()
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
        normalised = {
            k: (tuple(v) if isinstance(v, list) else v)
            for k, v in answers.get(sub.pk, {}).items()
            if k in catalogue.indicators
        }
        path = next_level_path(catalogue, sub.profile, normalised).get("overall")
        per = deficits.get(sub.school_id, {})
        codes = [d.code for items in per.values() for d in items]
        yield Sheet(
            school_id=sub.school_id,
            short_name=sub.school.short_name,
            full_name=sub.school.full_name,
            municipality=sub.school.municipality.name,
            campaign=campaign.title,
            scopes=scopes,
            deficits=per,
            deficit_count=len(codes),
            current=level_name(rows["overall"][0]),
            target=level_name(path.target) if path and path.target else None,
            steps=_steps(catalogue, path),
            partners=finder(campaign, sub.school_id, codes) if finder else None,
            illustrative=catalogue.illustrative,
        )


def render_batch(sheets: Sequence[Sheet]) -> list[bytes]:
    """One PDF per sheet, laid out in one WeasyPrint run."""
    import weasyprint

    html = render_to_string(
        "analytics/sheet.html", {"sheets": sheets, "today": timezone.localdate()}
    )
    document = weasyprint.HTML(string=html).render()
    # Each sheet starts with an anchor; a sheet that overflows keeps its extra pages.
    starts = []
    for n, page in enumerate(document.pages):
        if any(a.startswith("sheet-") for a in page.anchors):
            starts.append(n)
    if len(starts) != len(sheets):
        raise RuntimeError("листы школ разметились неверно")
    ends = [*starts[1:], len(document.pages)]
    return [
        bytes(document.copy(document.pages[a:b]).write_pdf())
        for a, b in zip(starts, ends, strict=True)
    ]


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
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(render_batch, chunks)


def one_pdf(campaign: Campaign, school_id: int) -> bytes | None:
    """The sheet of one school, or None when it has no result."""
    sheets = list(sheets_for(campaign, school_ids=[school_id]))
    return render_batch(sheets)[0] if sheets else None
