"""The demo region's coordinator's events table for September–December 2022, as an XLSX book.

It has the layout of a regional coordinator's report (№, date, form and topic, organiser, link,
number and category of participants) with the free texts such reports hold: month ranges,
«28.11- 29.11»-style spans and single days (some typed as text, some as Excel dates), organisers
as runs of abbreviations, participants counted by category. The demo loads it through the events
import an operator uses; the events importer takes spreadsheets, so that is what is written. The
text is the demo's own.
"""

from __future__ import annotations

import datetime as dt

from marshrut.lib.exports import ExportColumn, write_xlsx

FILENAME = "Отчёт координатора сентябрь–декабрь 2022.xlsx"
YEAR = 2022
TITLE = (
    "Отчёт о работе регионального координатора проекта «Школа Минпросвещения России» за период "
    "сентябрь – декабрь 2022 г. Субъект РФ: Демонстрационная область"
)
MATERIALS = "https://example.org/materials/2022/"

# (date as the coordinator typed it, form and topic, organiser, link, participants)
EVENTS: list[tuple[str | dt.date, str, str, str, str]] = [
    (
        "Сентябрь- октябрь",
        "Аудит результатов самодиагностики на уровне школ и на уровне муниципалитетов",
        "ИРО ДО, муниципальные кураторы",
        MATERIALS + "audit",
        "26 муниципалитетов (172 ОО юр.лица)",
    ),
    (
        dt.date(2022, 9, 21),
        "Вебинар «Первые шаги школы в проекте «Школа Минпросвещения России»»",
        "ИРО ДО ЦНППМ",
        MATERIALS + "webinar-21-09",
        "Директора ОО – 164 человека",
    ),
    (
        "29.09.2022",
        "Совещание муниципальных координаторов проекта: порядок самодиагностики",
        "ИРО ДО",
        MATERIALS + "meeting-29-09",
        "26 муниципальных координаторов",
    ),
    (
        "Октябрь- декабрь",
        "Разработка школьных «дорожных карт» по выявленным дефицитам",
        "Муниципальный куратор, управленческая команда ОО",
        MATERIALS + "roadmaps",
        "26 муниципалитетов (172 ОО юр.лица)",
    ),
    (
        dt.date(2022, 10, 12),
        "Заседание РУМО «Самодиагностика: первые итоги»",
        "ИРО ДО",
        MATERIALS + "rumo-12-10",
        "Муниципальные методисты, 48 человек",
    ),
    (
        "26.10.2022",
        "Семинар для управленческих команд «Школьный климат: от диагностики к решениям»",
        "ИРО ДО ЦНППМ",
        MATERIALS + "seminar-26-10",
        "Управленческие команды- 94 человека",
    ),
    (
        "15.11- 16.11.2022",
        "Стажировочная площадка «Опыт управленческих команд пилотных школ»",
        "ИРО ДО ЦНППМ",
        MATERIALS + "internship-teams",
        "16 школьных управленческих команд, муниципальных кураторов. Всего - 118 человек",
    ),
    (
        "15.11- 16.11.2022",
        "Стажировочная площадка для педагогов пилотных школ (методический абонемент)",
        "ИРО ДО ЦНППМ",
        MATERIALS + "internship-teachers",
        "6 школ – 132 педагога",
    ),
    (
        "ноябрь",
        "Практикум «Программа развития школы: от дефицитов к мероприятиям»",
        "ИРО ДО ЦНППМ",
        MATERIALS + "practicum",
        "264 чел.",
    ),
    (
        dt.date(2022, 11, 30),
        "Курсы «Управленческая команда школы в проекте», 2 сессия: защита «дорожных карт» школ",
        "ИРО ДО ЦНППМ",
        MATERIALS + "course-session-2",
        "Управленческие команды- 118 человек; Педагоги из 6 ОО – 132 человека",
    ),
    (
        "Сентябрь-декабрь",
        "Информационное сопровождение проекта: регион, муниципалитеты, школы. Консультации",
        "ИРО ДО",
        MATERIALS + "consultations",
        "26 муниципальных кураторов",
    ),
    (
        "14.12.2022",
        "Заседание коллегии департамента «Итоги первого года проекта»",
        "ДОиН ДО",
        MATERIALS + "collegium",
        "",
    ),
]

COLUMNS = [
    ExportColumn("№", lambda row: row[0], 5),
    ExportColumn("Дата", lambda row: row[1][0], 16),
    ExportColumn("Форма и тема мероприятия", lambda row: row[1][1], 60),
    ExportColumn(
        "Организатор мероприятия (ИРО, Методический центр, ОО и т.п.)", lambda row: row[1][2], 24
    ),
    ExportColumn("Ссылка на размещённый материал", lambda row: row[1][3], 40),
    ExportColumn("Количество и категория участников", lambda row: row[1][4], 40),
]


def events_xlsx() -> bytes:
    """The coordinator's events table of autumn 2022 as an XLSX book."""
    return write_xlsx(COLUMNS, enumerate(EVENTS, start=1), sheet="Мероприятия", title=TITLE)
