"""Make the scanned roadmaps the OCR tests and the score read: ruled tables, printed and «scanned».

Each document is a roadmap table written here by hand (sections and items in Russian, the way
regional orders word them), printed with fpdf2 in Liberation Serif one table per page (the header
repeated, as offices print them), rasterised with pypdfium2 and degraded like an office scanner's
output: grayscale, a small rotation, noise, a slightly uneven background and JPEG artefacts at
200–300 dpi. The result is an image-only PDF (or a PNG) and ``<name>.json``: the cell texts of each
page, row by row (``null`` where a merged cell covers the position), which the tests and
``bench/score_ocr.py`` compare with what OCR reads.

    python tests/plans/scans/make_scans.py            # the committed fixtures, into this folder
    python tests/plans/scans/make_scans.py --pages 10 --out /tmp/scan10.pdf   # a bigger one

Deterministic: the noise comes from a seeded generator, so the fixtures are reproducible.
"""

from __future__ import annotations

import argparse
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent
FONTS = Path("/usr/share/fonts/truetype/liberation")

HEADER = [
    "№ п/п",
    "Наименование мероприятия",
    "Срок исполнения",
    "Ответственные исполнители",
    "Ожидаемый результат",
]
WIDTHS = (12, 88, 34, 58, 80)

SECTIONS = [
    "Нормативно-правовое обеспечение",
    "Организационно-методическое сопровождение",
    "Развитие кадрового потенциала",
    "Информационное сопровождение",
    "Мониторинг и контроль реализации",
]
TITLES = [
    "Разработка и утверждение плана мероприятий по реализации проекта «Школа Минпросвещения России»",
    "Проведение самодиагностики общеобразовательных организаций",
    "Формирование перечня школ для участия в проекте",
    "Проведение совещания с руководителями муниципальных органов управления образованием",
    "Организация курсов повышения квалификации для управленческих команд",
    "Разработка методических рекомендаций по повышению уровня школ",
    "Создание региональной сети методического сопровождения",
    "Проведение регионального семинара для заместителей директоров",
    "Размещение информации о ходе реализации проекта на официальном сайте",
    "Подготовка аналитической справки по итогам мониторинга",
    "Обновление программ развития общеобразовательных организаций",
    "Организация работы муниципальных координаторов",
    "Проведение конкурса лучших практик управления школой",
    "Оценка эффективности реализации дорожной карты",
    "Обеспечение участия педагогов в стажировках на базе ведущих школ",
    "Формирование отчёта о выполнении показателей проекта",
]
DEADLINES = [
    "до 15 марта 2025 г.",
    "ежеквартально",
    "сентябрь 2025 г.",
    "до 1 июня 2025 г.",
    "в течение года",
    "декабрь 2025 г.",
    "до 20 октября 2025 г.",
    "апрель – май 2025 г.",
    "по мере необходимости",
    "до 30 ноября 2025 г.",
]
RESPONSIBLES = [
    "Министерство образования области",
    "ГАУ ДПО «Институт развития образования»",
    "региональный координатор проекта",
    "органы местного самоуправления",
    "руководители общеобразовательных организаций",
    "ЦНППМ, муниципальные методические службы",
    "ГБУ «Центр оценки качества образования»",
]
RESULTS = [
    "Утверждён план мероприятий",
    "Определены уровни соответствия школ модели",
    "Сформирован перечень школ",
    "Проведено не менее 2 совещаний",
    "Обучено 120 человек",
    "Методические рекомендации направлены в школы",
    "Доля школ базового уровня не менее 70 %",
    "Информация размещена на сайте",
    "Аналитическая справка",
    "Программы развития обновлены в 100 % школ",
]


@dataclass(frozen=True)
class Spec:
    """One fixture: its name, pages, items per page, the scan's dpi and rotation, and its seed."""

    name: str
    pages: int
    per_page: int
    dpi: int
    angle: float
    seed: int
    image: str = "pdf"  # pdf, png or tiff
    ruled: bool = True  # False: the table printed without rules


FIXTURES = [
    Spec("scan_order_a", pages=2, per_page=6, dpi=300, angle=0.8, seed=1),
    Spec("scan_order_b", pages=3, per_page=5, dpi=200, angle=-1.2, seed=2),
    Spec("scan_order_c", pages=1, per_page=6, dpi=250, angle=0.5, seed=3, image="png"),
    Spec(
        "scan_order_d", pages=1, per_page=4, dpi=300, angle=-0.6, seed=4, image="tiff", ruled=False
    ),
]


def page_rows(spec: Spec) -> list[list[list[str | None]]]:
    """The table of each page: the header, then section rows and item rows (texts by column)."""
    pick = random.Random(spec.seed)
    pages: list[list[list[str | None]]] = []
    number = 0
    section = 0
    for page in range(spec.pages):
        rows: list[list[str | None]] = [list(HEADER)]
        for slot in range(spec.per_page):
            if slot % 3 == 0 and (page * spec.per_page + slot) % 6 == 0:
                section += 1
                title = SECTIONS[(section - 1) % len(SECTIONS)]
                rows.append([f"{section}. {title}", None, None, None, None])
                number = 0
            number += 1
            rows.append(
                [
                    f"{section}.{number}.",
                    pick.choice(TITLES),
                    pick.choice(DEADLINES),
                    pick.choice(RESPONSIBLES),
                    pick.choice(RESULTS),
                ]
            )
        pages.append(rows)
    return pages


def printed(pages: list[list[list[str | None]]], ruled: bool = True) -> bytes:
    """The document as a text PDF: one ruled table per page on landscape A4."""
    pdf = FPDF(orientation="L")
    pdf.add_font("Serif", "", str(FONTS / "LiberationSerif-Regular.ttf"))
    pdf.add_font("Serif", "B", str(FONTS / "LiberationSerif-Bold.ttf"))
    pdf.set_auto_page_break(False)
    bold = FontFace(emphasis="BOLD")
    for index, rows in enumerate(pages):
        pdf.add_page()
        if index == 0:
            pdf.set_font("Serif", "B", 13)
            pdf.cell(0, 8, "План мероприятий («дорожная карта»)", align="C")
            pdf.ln(12)
        pdf.set_font("Serif", size=11)
        with pdf.table(
            col_widths=WIDTHS,
            line_height=6,
            padding=1.6,
            first_row_as_headings=False,
            borders_layout="ALL" if ruled else "NONE",
        ) as table:
            for position, cells in enumerate(rows):
                row = table.row()
                if cells[1] is None:
                    row.cell(cells[0], colspan=len(HEADER), style=bold)
                    continue
                for text in cells:
                    row.cell(text, style=bold if position == 0 else None)
    return bytes(pdf.output())


def scanned(data: bytes, spec: Spec) -> list[Image.Image]:
    """Each page of ``data`` as an office scanner would give it back."""
    noise = np.random.default_rng(spec.seed)
    images = []
    document = pypdfium2.PdfDocument(data)
    for index in range(len(document)):
        page = document[index].render(scale=spec.dpi / 72, grayscale=True).to_pil().convert("L")
        page = page.rotate(
            spec.angle + 0.1 * index, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False
        )
        page = page.filter(ImageFilter.GaussianBlur(0.6))
        pixels = np.asarray(page, dtype=np.float32)
        height, width = pixels.shape
        # Uneven lighting: a faint gradient across the sheet, and sensor noise.
        shade = np.linspace(0, 18, width, dtype=np.float32)[None, :]
        pixels = pixels - shade + noise.normal(0, 4, pixels.shape).astype(np.float32)
        # Dust: a few dark specks.
        for _ in range(60):
            y, x = int(noise.integers(0, height)), int(noise.integers(0, width))
            pixels[y : y + 2, x : x + 2] = 60
        page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
        buffer = io.BytesIO()
        page.save(buffer, "JPEG", quality=40)
        images.append(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
        document[index].close()
    document.close()
    return images


def save(images: list[Image.Image], path: Path, spec: Spec) -> None:
    if spec.image == "png":
        # A black-and-white scan, as office scanners save to PNG by default.
        bilevel = images[0].point(lambda value: 255 if value > 150 else 0).convert("1")
        bilevel.save(path, "PNG", optimize=True, dpi=(spec.dpi, spec.dpi))
    elif spec.image == "tiff":
        # Fax-style: black and white, CCITT group 4, as multi-page TIFF scans usually are.
        frames = [
            image.point(lambda value: 255 if value > 150 else 0).convert("1") for image in images
        ]
        frames[0].save(
            path,
            "TIFF",
            save_all=True,
            append_images=frames[1:],
            compression="group4",
            dpi=(spec.dpi, spec.dpi),
        )
    else:
        images[0].save(
            path, "PDF", save_all=True, append_images=images[1:], resolution=spec.dpi, quality=35
        )


def make(spec: Spec, out: Path) -> Path:
    pages = page_rows(spec)
    images = scanned(printed(pages, spec.ruled), spec)
    save(images, out, spec)
    out.with_suffix(".json").write_text(
        json.dumps(
            {"dpi": spec.dpi, "angle": spec.angle, "pages": pages}, ensure_ascii=False, indent=1
        )
        + "\n",
        encoding="utf-8",
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages", type=int, help="one document of this many pages instead of the fixtures"
    )
    parser.add_argument("--out", type=Path, help="where that document goes (.pdf)")
    args = parser.parse_args()
    if args.pages:
        spec = Spec("bench", pages=args.pages, per_page=6, dpi=300, angle=1.0, seed=10)
        print(make(spec, args.out or Path(f"/tmp/scan_{args.pages}.pdf")))
        return
    for spec in FIXTURES:
        print(make(spec, HERE / f"{spec.name}.{spec.image}"))


if __name__ == "__main__":
    main()
