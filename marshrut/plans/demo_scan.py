"""The demo's scanned order: a page of a roadmap table as an office scanner returns it.

Drawn with Pillow (a ruled table in Liberation Serif or DejaVu, whichever the server has),
turned by a degree and speckled, so that the demo shows a scanned document in the import preview:
rows read by OCR, the doubtful ones waiting for the operator's confirmation.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FILENAME = "Приказ о дорожной карте (скан).png"
FONTS = (
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
HEADER = ("№ п/п", "Наименование мероприятия", "Срок исполнения", "Ответственные", "Результат")
WIDTHS = (150, 1050, 420, 650, 700)
SECTION = "1. Организационное сопровождение"
ROWS = (
    (
        "1.1.",
        "Совещание с муниципальными координаторами проекта",
        "до 15 февраля",
        "ИРО ДО",
        "Протокол совещания",
    ),
    (
        "1.2.",
        "Самодиагностика школ — участников проекта",
        "март – апрель",
        "МОУО, ОО",
        "Отчёты школ",
    ),
    (
        "1.3.",
        "Семинар для управленческих команд школ",
        "ежеквартально",
        "ИРО ДО",
        "Обучено 90 человек",
    ),
    (
        "1.4.",
        "Мониторинг исполнения дорожной карты",
        "декабрь",
        "Департамент",
        "Аналитическая справка",
    ),
)


def _font() -> Path | None:
    return next((path for path in FONTS if path.is_file()), None)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def scanned_order_png() -> bytes | None:
    """The page as a PNG at 300 dpi; ``None`` when the server has none of the fonts."""
    path = _font()
    if path is None:
        return None
    font = ImageFont.truetype(str(path), 44)
    page = Image.new("L", (3508, 2480), 255)
    draw = ImageDraw.Draw(page)
    draw.text((1754, 180), "План мероприятий («дорожная карта»)", font=font, fill=0, anchor="mm")
    left, top, line = 120, 300, 56
    rows: list[tuple[str, ...]] = [HEADER, (SECTION,), *ROWS]
    y = top
    for cells in rows:
        if len(cells) == 1:
            height = line + 40
            draw.text((left + 20, y + 20), cells[0], font=font, fill=0)
        else:
            wrapped = [
                _wrap(draw, text, font, width - 40)
                for text, width in zip(cells, WIDTHS, strict=True)
            ]
            height = max(len(lines) for lines in wrapped) * line + 40
            x = left
            for lines, width in zip(wrapped, WIDTHS, strict=True):
                for n, text in enumerate(lines):
                    draw.text((x + 20, y + 20 + n * line), text, font=font, fill=0)
                draw.line((x, y, x, y + height), fill=0, width=4)
                x += width
            draw.line((x, y, x, y + height), fill=0, width=4)
        draw.line((left, y, left + sum(WIDTHS), y), fill=0, width=4)
        if len(cells) == 1:
            draw.line((left, y, left, y + height), fill=0, width=4)
            draw.line((left + sum(WIDTHS), y, left + sum(WIDTHS), y + height), fill=0, width=4)
        y += height
    draw.line((left, y, left + sum(WIDTHS), y), fill=0, width=4)
    page = page.rotate(0.8, resample=Image.Resampling.BICUBIC, fillcolor=255)
    specks = random.Random(7)
    for _ in range(80):
        x, y = specks.randrange(page.width), specks.randrange(page.height)
        page.putpixel((x, y), 40)
    buffer = io.BytesIO()
    page.save(buffer, "PNG", dpi=(300, 300), optimize=True)
    return buffer.getvalue()
