"""Roadmap documents → sections and items: the seeds in every format, and bad input."""

from __future__ import annotations

import io
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from fpdf.fonts import FontFace
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.styles import Font

from marshrut.kernels.ocr import available as ocr_available
from marshrut.kernels.plan_reader import (
    Plan,
    PlanReadError,
    plan_to_dict,
    read_plan,
    read_plan_rows,
)
from marshrut.kernels.targets import Target

SEEDS = Path("/work/shared/seeds")
if not SEEDS.is_dir():
    SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED_001 = "001_25124ddb0d9dfe29.txt"
SEED_004 = "004_a776de1f393977ae.txt"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are not available")


def seed_bytes(name: str) -> bytes:
    return (SEEDS / name).read_bytes()


def seed_plan(name: str) -> Plan:
    return read_plan(seed_bytes(name), name, 2024)


# --- what the seeds hold, row by row --------------------------------------------------------

Window = tuple[str | None, str | None]
YEAR: list[Window] = [("2024-01-01", "2024-12-31")]
Q4: list[Window] = [("2024-10-01", "2024-12-31")]


@dataclass(frozen=True)
class Row:
    """An expected item; a title or result ending in «…» is compared by its beginning."""

    number: str | None
    title: str
    deadline: str
    kind: str
    windows: Sequence[tuple[str | None, str | None]]
    responsible: list[tuple[str, str | None]]
    result: str | None
    targets: tuple[Target, ...] = ()
    times: int | None = None


def orgs(*names: str | tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [name if isinstance(name, tuple) else (name, name) for name in names]


def throughout(number: str | None, title: str, responsible: list, result: str | None) -> Row:
    return Row(number, title, "в течение года", "throughout", YEAR, responsible, result)


TOGIRRO = orgs("ТОГИРРО")
TOGIRRO_MOUO_OO = orgs("ТОГИРРО", "МОУО", "ОО")
TOGIRRO_CNPPM = orgs("ТОГИРРО", "ЦНППМ")
OLYMPIAD = (
    "Организация участия управленческой команды Тюменской области в Олимпиаде «Управленческие "
    "команды «Школы Минпросвещения России»: управленческое пятиборье»"
)

SEED_001_SECTIONS: list[tuple[str | None, str, list[Row]]] = [
    (
        "1",
        "Нормативно-правовое обеспечение",
        [
            Row(
                "1.1",
                "Разработка плана мероприятий («дорожная карта») реализации проекта «Школа "
                "Минпросвещения России» в системе общего образования Тюменской области в 2024 году",
                "январь",
                "window",
                [("2024-01-01", "2024-01-31")],
                orgs("ДОиН ТО", "ТОГИРРО"),
                "Приказ ДОиН ТО об утверждении плана мероприятий («дорожная карта») …",
            ),
            Row(
                "1.2",
                "Актуализация пакета нормативно-правовых документов, обеспечивающих …",
                "в течении года",
                "throughout",
                YEAR,
                orgs("ДОиН ТО", "ТОГИРРО", "МОУО", "ММС", "ОО"),
                "Приказы ДОиН ТО, нормативные документы муниципального уровня, …",
            ),
        ],
    ),
    (
        "2",
        "Организационное сопровождение",
        [
            Row(
                None,
                "Организация участия в очных совещаниях с региональными ответственными за "
                "реализацию Проекта",
                "25.03.2024 Ноябрь",
                "windows",
                [("2024-03-25", "2024-03-25"), ("2024-11-01", "2024-11-30")],
                TOGIRRO,
                "Очное участие регионального ответственного",
            ),
            Row(
                None,
                "Актуализация данных о муниципальных координаторах по вопросам реализации проекта "
                "«Школа Минпросвещения России» на муниципальном уровне",
                "январь-февраль",
                "window",
                [("2024-01-01", "2024-02-29")],
                orgs("ТОГИРРО", "МОУО", "ММС", "ОО"),
                # Joined across the page break: «… чата в» + «Мессенджере».
                "Информация/список о муниципальных координаторах. Сопровождение деятельности чата "
                "в Мессенджере",
            ),
            Row(
                "2.1",
                "Участие общеобразовательных организаций в проведении автоматизированной …",
                "в течении года",
                "throughout",
                YEAR,
                orgs("ТОГИРРО", "МОУО", "ММС", "ОО"),
                "Письмо ДОиН ТО, ТОГИРРО.",
            ),
            Row(
                None,
                "Организация участия в вебинарах «Государственного университета просвещения» …",
                "Апрель-май",
                "window",
                [("2024-04-01", "2024-05-31")],
                TOGIRRO_MOUO_OO,
                "Охват участников – 40%",
                (Target("Охват участников – 40%", "Охват участников", ">=", 40, "%"),),
            ),
            throughout(
                "2.3",
                "Проведение совещаний и семинаров по реализации проекта …",
                TOGIRRO_MOUO_OO,
                "Письма ТОГИРРО о проведении совещаний и семинаров. Программы, презентационные и "
                "рабочие материалы совещаний и семинаров.",
            ),
            Row(
                "2.4",
                "Организация повышения квалификации педагогических работников/ управленческих …",
                "в течение года в соответствии с государственным заданием",
                "throughout",
                YEAR,
                TOGIRRO,
                "удостоверения о повышении квалификации; совершенствование …",
            ),
            throughout(
                "2.5",
                "Организация деятельности участников Единого регионального кадрового резерва …",
                [
                    *TOGIRRO_MOUO_OO,
                    ("участники Единого регионального кадрового резерва руководителей", "ЕРКР"),
                ],
                "дорожная карта комплексного сопровождения деятельности участников …",
            ),
            throughout(
                "2.6",
                "Организация работы муниципальных методических служб и участников …",
                [
                    *orgs("ТОГИРРО", "МОУО"),
                    ("Участники регионального методического Актива (РМА)", "РМА"),
                ],
                "Программы методических мероприятий с муниципальными методическими службами …",
            ),
            throughout(
                "2.7",
                "Организация деятельности региональных инновационных площадок (далее – РИП) на "
                "базе общеобразовательных организаций",
                orgs("ТОГИРРО", "МОУО", ("ОО (РИП)", "ОО")),
                "приказы ТОГИРРО об утверждении РИП",
            ),
            Row(
                "2.8",
                "Проведение собеседований со школьными управленческими командами по результатам "
                "самодиагностики",
                "2 раза в год",
                "recurring",
                YEAR,
                orgs("МОУО", "ОО"),
                "Разработаны «дорожные карты» в соответствии с исходными уровнями …",
                times=2,
            ),
            Row(
                "2.9",
                # Joined across the page break: «… магистральных» + «направлений и …».
                "Разработка необходимых изменений в программу развития ОО с учетом целевых "
                "ориентиров, магистральных направлений и ключевых условий Проекта",
                "4 квартал",
                "window",
                Q4,
                TOGIRRO_MOUO_OO,
                "Разработаны программы развития ОО на 2025 — 2028 годы с учетом магистральных "
                "направлений и ключевых условий Проекта",
            ),
            Row(
                None,
                "Организация участия в семинарах «Управленческая среда» и «Строим «Школу "
                "Минпросвещения России»",
                "Апрель Май Август Сентябрь",
                "windows",
                [
                    ("2024-04-01", "2024-04-30"),
                    ("2024-05-01", "2024-05-31"),
                    ("2024-08-01", "2024-08-31"),
                    ("2024-09-01", "2024-09-30"),
                ],
                TOGIRRO_MOUO_OO,
                "Участие и обсуждение семинаров. Принятие управленческих решений",
            ),
            Row(
                None,
                "Участие в проекте «Наставническая лига». - Формирование заявки …",
                "Май- август",
                "window",
                [("2024-05-01", "2024-08-31")],
                orgs("ТОГИРРО", "МОУО"),
                "Список участников проекта Количество участников, прошедших обучение …",
            ),
            Row(
                None,
                OLYMPIAD,
                "Октябрь Ноябрь",
                "windows",
                [("2024-10-01", "2024-10-31"), ("2024-11-01", "2024-11-30")],
                TOGIRRO_MOUO_OO,
                "Результаты участия в Олимпиаде",
            ),
            Row(
                None,
                OLYMPIAD,
                "Ноябрь",
                "window",
                [("2024-11-01", "2024-11-30")],
                TOGIRRO_MOUO_OO,
                "Доклад",
            ),
        ],
    ),
    (
        "3",
        "Научно-методическое сопровождение",
        [
            throughout(
                "3.1",
                "Проведение информационно- образовательных семинаров по сопровождению реализации "
                "проекта «Школы Минпросвещения России» для муниципальных координаторов и "
                "управленческих команд общеобразовательных организаций",
                [
                    *orgs("ТОГИРРО", "МОУО", ("ОО (РИП)", "ОО"), "РМА"),
                    ("участники Единого регионального кадрового резерва руководителей ОО", "ЕРКР"),
                ],
                "Письма ТОГИРРО о проведении. Проведены семинары с участниками Проекта с целью "
                "разъяснения содержания критериев и показателей для обеспечения объективности "
                "заполнения анкеты по самодиагностике ОО; программы, презентационные и рабочие "
                "материалы совещаний и семинаров",
            ),
            throughout(
                "3.2",
                "Проведение методического абонемента для школьных команд …",
                orgs("ТОГИРРО", "МОУО", ("ОО- участники апробации проекта", "ОО")),
                "письма ТОГИРРО о проведении методического абонемента для школьных команд; …",
            ),
            Row(
                "3.3",
                "Представление, обобщение и распространение успешных практик …",
                "август",
                "window",
                [("2024-08-01", "2024-08-31")],
                orgs("ТОГИРРО", "МОУО", ("ОО (в том числе РИП)", "ОО")),
                "программа и материалы форума; сборник материалов Тиражирование …",
            ),
            throughout(
                "3.4",
                "Консультирование муниципальных кураторов и координаторов общеобразовательных "
                "организаций, управленческих команд по формированию в соответствии с федеральными "
                "методическими рекомендациями локальных нормативных актов по направлениям проекта "
                "«Школа Минпросвещения России»",
                TOGIRRO_CNPPM,
                "письма ТОГИРРО по запросам МОУО и общеобразовательных организаций; …",
            ),
            throughout(
                "3.5",
                "Организация и обеспечение повышения квалификации управленческих и …",
                TOGIRRO_CNPPM,
                "реализация плана повышения квалификации педагогических работников …",
            ),
            throughout(
                None,
                "Обучение управленческих команд для проведения стажировочных практикУМов …",
                TOGIRRO,
                "Тиражирование успешных региональных педагогических и управленческих практик "
                "реализации Проекта",
            ),
            Row(
                "3.6",
                "Проведение консультационной и методической поддержки управленческих и школьных "
                "команд общеобразовательных организаций ТО",
                "постоянно",
                "continuous",
                YEAR,
                TOGIRRO_CNPPM,
                "работа горячей линии",
            ),
            Row(
                "3.7",
                "Обновление методических рекомендаций по разработке (актуализации) программ "
                "развития образовательных организаций",
                "апрель— август",
                "window",
                [("2024-04-01", "2024-08-31")],
                TOGIRRO_CNPPM,
                "Размещены (опубликованы) актуализированные методические рекомендации …",
            ),
            throughout(
                None,
                "Обсуждение обновленного содержания «Настольной книги директора школы», "
                "просветительских видеороликов о Проекте на управленческих стажировочных "
                "площадках и школьных команд",
                TOGIRRO_CNPPM,
                None,
            ),
        ],
    ),
    (
        "4",
        "Информационное сопровождение",
        [
            throughout(
                "4.1",
                "Ведение раздела «Проект «Школа Минпросвещения России» на официальном сайте …",
                TOGIRRO_MOUO_OO,
                "раздел «Проект «Школа Минпросвещения России» с актуальной информацией …",
            ),
            throughout(
                "4.2",
                "Размещение успешных практик (методических материалов, статей в сборниках, …",
                TOGIRRO,
                "методические материалы, статьи, видеоролики, интервью и иное на сайте ТОГИРРО",
            ),
            throughout(
                "4.3",
                "Создание и ведение чата в телеграмме для муниципальных координаторов …",
                [*TOGIRRO_MOUO_OO, ("участники апробации проекта", None)],
                "чат в телеграмм-канале",
            ),
            throughout(
                "4.4",
                "Размещение пресс-релизов в разделе «Школа Минпросвещения России» …",
                TOGIRRO,
                "циклограмма пресс-релизов согласно запланированным мероприятиям; …",
            ),
            throughout(
                "4.5",
                "Информирование общественности по вопросам внедрения и реализации Проекта …",
                TOGIRRO,
                "Информированность участников образовательных отношений о ходе реализации Проекта",
            ),
            Row(
                "4.6",
                "Актуализация информации о реализации Проекта на официальных сайтах организаций, "
                "координирующих реализацию Проекта",
                "1 квартал",
                "window",
                [("2024-01-01", "2024-03-31")],
                TOGIRRO,
                "Обеспечена информированность педагогических работников и управленческих кадров "
                "о реализации Проекта",
            ),
            throughout(
                None,
                "Публикации материалов (успешных практик реализации Проекта) в электронном …",
                TOGIRRO,
                "Публикации, статьи, заметки",
            ),
            throughout(
                None,
                "Организация системы управленческого наставничества",
                TOGIRRO,
                "Положение об управленческом наставничестве. План работы. Список наставников и "
                "наставляемых",
            ),
        ],
    ),
    (
        "5",
        "Мониторинг сопровождения апробации и внедрения",
        [
            Row(
                "5.1",
                "Проведение самодиагностики на соответствие статусу проекта «Школа Минпросвещения "
                "России» в автоматизированном сервисе и анализ результатов мониторинга "
                "сопровождения апробации и внедрения проекта «Школа Минпросвещения России», "
                "включая информационно-аналитическую справку с управленческими решениями и "
                "адресными рекомендациями",
                "апрель – ноябрь",
                "window",
                [("2024-04-01", "2024-11-30")],
                TOGIRRO,
                "Приказ ДОН Не менее 90% информационно-аналитическая справка с управленческими "
                "решениями и адресными рекомендациями",
                (Target("Не менее 90%", None, ">=", 90, "%"),),
            ),
            throughout(
                "5.2",
                "Мониторинг достоверности сведений, заполняемых ОО при прохождении самодиагностики",
                TOGIRRO,
                "Информационно-аналитическая справка о результатах мониторинга. Сокращение …",
            ),
            Row(
                "5.3",
                "Анализ динамики результатов ОО, принимающих участие в Проекте",
                "июнь — июль",
                "window",
                [("2024-06-01", "2024-07-31")],
                TOGIRRO,
                "Информационно-аналитические материалы о реализации Проекта",
            ),
            Row(
                "5.4",
                "Мониторинг выполнения планов мероприятий по реализации Проекта",
                "4 квартал",
                "window",
                Q4,
                TOGIRRO,
                "Информационная справка о реализации мероприятий Проекта",
            ),
            Row(
                "5.5",
                "Анализ эффективности механизмов устранения выявленных дефицитов и обобщение "
                "лучших практик",
                "4 квартал",
                "window",
                Q4,
                TOGIRRO,
                "Информационно-аналитическая справка с выводами и рекомендациями по итогам "
                "проведенного анализа",
            ),
        ],
    ),
]

TOIPKRO = orgs("ТОИПКРО")
PROJECT_SESSIONS = (
    "Проведено 5 проектных сессий для муниципальных общеобразовательных организаций: Проектная "
    "сессия 1: Асиновский район, Первомайский район, Тегульдетский район, Зырянский район. "
    "Проектная сессия 2: г. Томск, ЗАТО Северск, Томский район. Проектная сессия 3: Шегарский "
    "район, Кожевниковский район, Кривошеинский район, Молчановский район, Бакчарский район. "
    "Проектная сессия 4: Чаинский район, Колпашевский район, Парабельский район, Каргасокский "
    "район, Верхнекетский район, г. Кедровый. Проектная сессия 5: г.о. Стрежевой, Александровский "
    "район (с использованием видеоконференцсвязи)"
)
REPORTS: list[Window] = [("2024-06-01", "2024-06-30"), ("2024-12-01", "2024-12-31")]

SEED_004_SECTIONS: list[tuple[str | None, str, list[Row]]] = [
    (
        None,
        "Организационное сопровождение реализации проекта «Школа Минпросвещения России»",
        [
            Row(
                None,
                "Семинар-совещание с использованием видеоконференцсвязи «Проект «Школа "
                "Минпросвещения России» на территории Томской области: первые итоги и "
                "перспективы на 2024 год»",
                "январь",
                "window",
                [("2024-01-01", "2024-01-31")],
                TOIPKRO,
                "Подведение итогов реализации проекта в 2023 году, обозначены направления и "
                "задачи по реализации проекта на 2024 год",
            ),
            Row(
                None,
                "Актуализация базы данных муниципальных координаторов по сопровождению проекта на "
                "территории Томской области",
                "январь",
                "window",
                [("2024-01-01", "2024-01-31")],
                orgs("ТОИПКРО", "МОУО"),
                "Сформирован перечень действующих муниципальных координаторов проекта. …",
            ),
            Row(
                None,
                "Организация и проведение процедуры самодиагностики общеобразовательных "
                "организаций, не прошедших самодиагностику в 2023 году (29 общеобразовательных "
                "организаций)",
                "январь – февраль",
                "window",
                [("2024-01-01", "2024-02-29")],
                orgs("ДОО ТО", "ТОИПКРО", "МОУО"),
                "Определен уровень соответствия статусу «Школа Минпросвещения России» для 29 …",
            ),
            Row(
                None,
                # Every cell joined across the page break.
                "Организация и проведение проектных сессий по разработке / актуализации программ "
                "развития общеобразовательных организаций с учетом результатов самодиагностики",
                "февраль – март",
                "window",
                [("2024-02-01", "2024-03-31")],
                orgs("ДОО ТО", "ТОИПКРО", "МОУО"),
                PROJECT_SESSIONS,
                (
                    Target(
                        "Проведено 5 проектных сессий",
                        "Проведено проектных сессий",
                        ">=",
                        5,
                        "проектных сессий",
                    ),
                ),
            ),
            Row(
                None,
                "Разработка / актуализация общеобразовательными организациями программ развития "
                "на основании результатов самодиагностики",
                "февраль – апрель",
                "window",
                [("2024-02-01", "2024-04-30")],
                orgs("МОУО", "ОО"),
                "Разработаны / актуализированы и утверждены программы развития …",
            ),
            Row(
                None,
                "Организация презентации и защиты общеобразовательными организациями программ "
                "развития на муниципальном уровне с приглашением специалистов ДОО ГО, ТОИПКРО",
                "апрель-май",
                "window",
                [("2024-04-01", "2024-05-31")],
                orgs("ТОИПКРО", "МОУО"),
                # The tail of the quotation came back from the head of the next row's result.
                "Утвержденные программы развития общеобразовательных организаций размещены в "
                "модернизированном сервисе автоматизированной самодиагностики и разработанного "
                "цифрового конструктора программ развития общеобразовательных организаций ФГАНУ "
                "«Федеральный институт цифровой трансформации в сфере повышения» "
                "(https://sas.ficto.ru/)",
            ),
            Row(
                None,
                "Педагогические десанты «Проект «Школа Минпросвещения России»: формирование "
                "единого образовательного пространства»",
                "2 раза в год",
                "recurring",
                YEAR,
                TOIPKRO,
                "Повышение осведомленности управленческих команд общеобразовательных организаций "
                "и представителей МОУО о ходе реализации проекта (отдельных его магистральных "
                "направлений и/или ключевых условий), тиражирование лучших практик",
                times=2,
            ),
            Row(
                None,
                "Предоставление информации от муниципальных координаторов проекта о ходе "
                "реализации проекта в муниципальном районе",
                "июнь, декабрь",
                "windows",
                REPORTS,
                orgs("МОУО"),
                "В адрес регионального оператора предоставлены информационные справки …",
            ),
            Row(
                None,
                "Предоставление информации об ходе реализации проекта «Школа Минпросвещения "
                "России» на территории Томской области",
                "июнь, декабрь",
                "windows",
                REPORTS,
                TOIPKRO,
                "Подготовлена информационная справка о ходе реализации проекта на территории "
                "Томской области",
            ),
            Row(
                None,
                "Организация и проведение ежегодной процедуры самодиагностики "
                "общеобразовательных организаций",
                "согласно отдельному графику",
                "per_schedule",
                [],
                orgs("ДОО ТО", "ТОИПКРО", "МОУО"),
                "100% общеобразовательных организаций Томской области прошли процедуру "
                "самодиагностики. Сокращено количество …",
                (
                    Target(
                        "100% общеобразовательных организаций Томской области прошли процедуру "
                        "самодиагностики",
                        "общеобразовательных организаций Томской области прошли процедуру "
                        "самодиагностики",
                        ">=",
                        100,
                        "%",
                    ),
                ),
            ),
            Row(
                None,
                "Семинар-совещание с использованием видеоконференцсвязи по итогам реализации …",
                "декабрь 2024",
                "window",
                [("2024-12-01", "2024-12-31")],
                orgs("ДОО ТО", "ТОИПКРО"),
                "Подведение итогов реализации проекта в 2024 году, обозначены направления и "
                "задачи по реализации проекта на 2025 год",
            ),
        ],
    ),
    (
        None,
        "Методическое сопровождение реализации проекта «Школа Минпросвещения России»",
        [
            Row(
                None,
                "Сопровождение, оказание методической помощи муниципальным координаторам, "
                "управленческим командам общеобразовательных организаций по разработке / "
                "актуализации программ развития общеобразовательных организаций, направленных на "
                "повышение качества условий организации образовательной деятельности, на основе "
                "дефицитов, выявленных по итогам проведенной самодиагностики",
                "по запросу",
                "on_request",
                [],
                TOIPKRO,
                "Оказана методическая поддержка по разработке / актуализации программ развития "
                "общеобразовательных организаций, направленных на повышение качества условий "
                "организации образовательной деятельности, на основе дефицитов, выявленных по "
                "итогам проведенной самодиагностики",
            ),
            throughout(
                None,
                "Обновление содержания дополнительных профессиональных программ повышения …",
                TOIPKRO,
                "Разработан и реализован модуль о проекте «Школа Минпросвещения России» в рамках "
                "дополнительных профессиональных программ повышения квалификации ТОИПКРО",
            ),
            throughout(
                None,
                "Проведение цикла вебинаров «Прокачай свою управленческую команду» …",
                TOIPKRO,
                "Популяризация проекта «Школа Минпросвещения России» и представление лучших …",
            ),
            throughout(
                None,
                "Обеспечение методической поддержки общеобразовательным организациям находящихся "
                "в «зоне риска» по результатам самодиагностики, пройденной в 2023 году (уровень "
                "соответствия «ниже базового»).",
                orgs("ТОИПКРО", "МОУО"),
                "Сокращено количество общеобразовательных организаций, которые по результатам …",
            ),
        ],
    ),
    (
        None,
        "Информационное сопровождение реализации проекта «Школа Минпросвещения России»",
        [
            throughout(
                None,
                "Обеспечение информационного сопровождения проекта «Школа Минпросвещения России» "
                "на территории Томской области",
                orgs("ДОО ТО", "ТОИПКРО"),
                "Своевременная актуализация / наполнение информационных страниц …",
            ),
            throughout(
                None,
                "Обеспечение информационного сопровождения проекта «Школа Минпросвещения России» "
                "на территории муниципального района, информирование …",
                orgs("МОУО"),
                "Размещение информации о реализации проекта на территории муниципалитета на сайте "
                "МОУО, сайтах общеобразовательных организаций, в социальных сетях",
            ),
        ],
    ),
]


def assert_text(actual: str | None, expected: str | None) -> None:
    if expected is not None and expected.endswith("…"):
        assert actual is not None
        assert actual.startswith(expected[:-1].rstrip()), actual
    else:
        assert actual == expected


def assert_plan(plan: Plan, expected: list[tuple[str | None, str, list[Row]]], label: str) -> None:
    summary = [(s.number, s.title, len(s.items)) for s in plan.sections]
    assert summary == [(number, title, len(rows)) for number, title, rows in expected]
    for section, (_number, _title, rows) in zip(plan.sections, expected, strict=True):
        for item, row in zip(section.items, rows, strict=True):
            assert item.number == row.number
            assert_text(item.title, row.title)
            assert [
                (d.label, d.schedule.text, d.schedule.kind.value, d.schedule.times_per_year)
                for d in item.deadlines
            ] == [(label, row.deadline, row.kind, row.times)], item.title
            assert [
                (start and start.isoformat(), end and end.isoformat())
                for start, end in item.deadlines[0].schedule.windows
            ] == list(row.windows), item.title
            assert [(r.text, r.organisation) for r in item.responsible] == row.responsible
            assert_text(item.expected_result, row.result)
            assert tuple(item.targets) == row.targets, item.title


def test_seed_001_parses_completely() -> None:
    plan = seed_plan(SEED_001)
    assert [(c.role, c.label) for c in plan.columns] == [
        ("number", "№ п/п"),
        ("title", "Наименование мероприятия"),
        ("deadline", "Сроки"),
        ("responsible", "Ответственный/исполнитель, соисполнители"),
        ("result", "Ожидаемый результат"),
    ]
    assert [(s.title, len(s.items)) for s in plan.sections] == [
        ("Нормативно-правовое обеспечение", 2),
        ("Организационное сопровождение", 15),
        ("Научно-методическое сопровождение", 9),
        ("Информационное сопровождение", 8),
        ("Мониторинг сопровождения апробации и внедрения", 5),
    ]
    assert_plan(plan, SEED_001_SECTIONS, "Сроки")


def test_seed_004_skips_the_preamble_and_parses_completely() -> None:
    plan = seed_plan(SEED_004)
    # The deadline column comes first in this plan, and there is no number column.
    assert [(c.index, c.role, c.label) for c in plan.columns] == [
        (0, "deadline", "Сроки исполнения"),
        (1, "title", "Наименование мероприятия / работы"),
        (2, "responsible", "Ответственные"),
        (3, "result", "Результат"),
    ]
    assert [(s.title, len(s.items)) for s in plan.sections] == [
        ("Организационное сопровождение реализации проекта «Школа Минпросвещения России»", 11),
        ("Методическое сопровождение реализации проекта «Школа Минпросвещения России»", 4),
        ("Информационное сопровождение реализации проекта «Школа Минпросвещения России»", 2),
    ]
    assert_plan(plan, SEED_004_SECTIONS, "Сроки исполнения")


def test_plan_dict_has_the_cli_shape_and_is_json_ready() -> None:
    result = plan_to_dict(seed_plan(SEED_004))
    assert list(result) == ["sections"]
    section = result["sections"][0]
    assert list(section) == ["number", "title", "items"]
    item = section["items"][2]
    assert item == {
        "number": None,
        "title": "Организация и проведение процедуры самодиагностики общеобразовательных "
        "организаций, не прошедших самодиагностику в 2023 году (29 общеобразовательных "
        "организаций)",
        "deadlines": [
            {
                "label": "Сроки исполнения",
                "text": "январь – февраль",
                "kind": "window",
                "windows": [["2024-01-01", "2024-02-29"]],
                "times_per_year": None,
            }
        ],
        "responsible": [
            {"text": "ДОО ТО", "organisation": "ДОО ТО"},
            {"text": "ТОИПКРО", "organisation": "ТОИПКРО"},
            {"text": "МОУО", "organisation": "МОУО"},
        ],
        "expected_result": item["expected_result"],
        "targets": [],
    }
    json.loads(json.dumps(result, ensure_ascii=False))
    json.dumps(plan_to_dict(seed_plan(SEED_001)))


# --- the same plans in other formats --------------------------------------------------------


def seed_rows(name: str) -> list[list[str]]:
    """The seed's lines as rows of cells, blank lines included, HTML fragments as they are."""
    return [line.split("\t") for line in seed_bytes(name).decode("utf-8").splitlines()]


@dataclass
class Layout:
    """A seed plan as an original document would hold it: one table row per item."""

    header: list[str]
    rows: list[tuple[str, list[str]]]  # ("section", [title]) or ("item", cells)


def layout(plan: Plan) -> Layout:
    rows: list[tuple[str, list[str]]] = []
    for section in plan.sections:
        if section.title is not None:
            heading = f"{section.number}. {section.title}" if section.number else section.title
            rows.append(("section", [heading]))
        for item in section.items:
            cells = []
            for column in plan.columns:
                value = {
                    "number": item.number,
                    "title": item.title,
                    "deadline": item.deadlines[0].schedule.text if item.deadlines else "",
                    "responsible": item.responsible_text,
                    "result": item.expected_result,
                }[column.role]
                cells.append(value or "")
            rows.append(("item", cells))
    return Layout([column.label for column in plan.columns], rows)


def add_hyperlink(paragraph: Any, url: str) -> None:
    """Append a real hyperlink: python-docx reads them but has no call to write one."""
    relation = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = url
    run.append(text)
    link.append(run)
    paragraph._p.append(link)


def write_cell(cell: Any, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    url = re.search(r"https?://\S+?(?=\))", text)
    if url:
        paragraph.add_run(text[: url.start()]).bold = bold
        add_hyperlink(paragraph, url.group())
        paragraph.add_run(text[url.end() :]).bold = bold
    else:
        paragraph.add_run(text).bold = bold


def add_plan_table(document: Any, header: list[str], rows: list[tuple[str, list[str]]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        write_cell(cell, text, bold=True)
    above: list[str] | None = None
    for kind, cells in rows:
        row = table.add_row()
        if kind == "section":
            # A section title spans the whole row.
            merged = row.cells[0].merge(row.cells[-1])
            write_cell(merged, cells[0], bold=True)
            above = None
            continue
        for index, text in enumerate(cells):
            top = table.rows[len(table.rows) - 2].cells[index]
            if above is not None and text and above[index] == text and index >= 2:
                # Equal deadlines or responsibles of neighbouring items share a merged cell.
                top.merge(row.cells[index])
            else:
                write_cell(row.cells[index], text)
        above = cells


def build_docx(plan_layout: Layout, *, split_at: int | None = None) -> bytes:
    document = docx.Document()
    document.add_paragraph("ДЕПАРТАМЕНТ ОБЩЕГО ОБРАЗОВАНИЯ")
    approval = document.add_table(rows=2, cols=2)
    approval.cell(0, 1).text = "УТВЕРЖДАЮ"
    approval.cell(1, 1).text = "Начальник департамента ____________"
    document.add_paragraph("План мероприятий («дорожная карта») на 2024 год")
    rows = plan_layout.rows
    if split_at is None:
        add_plan_table(document, plan_layout.header, rows)
    else:
        add_plan_table(document, plan_layout.header, rows[:split_at])
        document.add_page_break()
        add_plan_table(document, plan_layout.header, rows[split_at:])
    document.add_paragraph("Исполнитель: Иванова И.И.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_xlsx_rows(plan_layout: Layout) -> list[list[object]]:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    width = len(plan_layout.header)
    sheet.append(plan_layout.header)
    for kind, cells in plan_layout.rows:
        sheet.append(cells)
        if kind == "section":
            row = sheet.max_row
            sheet.cell(row, 1).font = Font(bold=True)
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    buffer = io.BytesIO()
    workbook.save(buffer)
    loaded = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    active = loaded.active
    assert active is not None
    return [list(row) for row in active.iter_rows(values_only=True)]


def build_pdf(plan_layout: Layout) -> bytes:
    pdf = FPDF(orientation="L")
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT_BOLD)
    pdf.set_font("DejaVu", size=8)
    pdf.add_page()
    bold = FontFace(emphasis="BOLD")
    with pdf.table(repeat_headings=1, headings_style=bold) as table:
        header = table.row()
        for text in plan_layout.header:
            header.cell(text)
        for kind, cells in plan_layout.rows:
            row = table.row()
            if kind == "section":
                row.cell(cells[0], colspan=len(plan_layout.header), style=bold)
            else:
                for text in cells:
                    row.cell(text)
    return bytes(pdf.output())


@pytest.mark.parametrize("name", [SEED_001, SEED_004])
def test_seed_rows_read_as_rows_give_the_text_result(name: str) -> None:
    text_plan = seed_plan(name)
    assert plan_to_dict(read_plan_rows(seed_rows(name), 2024)) == plan_to_dict(text_plan)


@pytest.mark.parametrize("name", [SEED_001, SEED_004])
def test_docx_with_merged_cells_gives_the_text_result(name: str) -> None:
    text_plan = seed_plan(name)
    data = build_docx(layout(text_plan))
    document = docx.Document(io.BytesIO(data))
    plan_table = document.tables[1]
    # The build really merged: section rows span the table, neighbours share cells.
    assert len({id(cell._tc) for cell in plan_table.rows[1].cells}) == 1
    assert any(
        plan_table.cell(row, 2)._tc is plan_table.cell(row + 1, 2)._tc
        for row in range(1, len(plan_table.rows) - 1)
    )
    assert plan_to_dict(read_plan(data, "plan.docx", 2024)) == plan_to_dict(text_plan)


def test_docx_table_split_across_pages_is_joined() -> None:
    text_plan = seed_plan(SEED_001)
    data = build_docx(layout(text_plan), split_at=12)
    assert len(docx.Document(io.BytesIO(data)).tables) == 3
    assert plan_to_dict(read_plan(data, "plan.docx", 2024)) == plan_to_dict(text_plan)


def test_docx_hyperlink_keeps_its_address() -> None:
    text_plan = seed_plan(SEED_004)
    plan = read_plan(build_docx(layout(text_plan)), "plan.docx", 2024)
    assert plan.sections[0].items[5].expected_result is not None
    assert (
        plan.sections[0]
        .items[5]
        .expected_result.endswith("в сфере повышения» (https://sas.ficto.ru/)")
    )


@pytest.mark.parametrize("name", [SEED_001, SEED_004])
def test_xlsx_rows_give_the_text_result(name: str) -> None:
    text_plan = seed_plan(name)
    rows = build_xlsx_rows(layout(text_plan))
    # Merged section rows come back as a lone first cell: no boldness, no span.
    assert rows[1][1:] == [None] * (len(rows[1]) - 1)
    assert plan_to_dict(read_plan_rows(rows, 2024)) == plan_to_dict(text_plan)


def unwrap_hyphens(value: object) -> object:
    """Undo the one thing a PDF cannot keep: «информационно- образовательных» wrapped at the space.

    A hyphen at the end of a wrapped line is read as a word hyphenated by the line break.
    """
    return json.loads(re.sub(r"(?<=\w)- (?=\w)", "-", json.dumps(value, ensure_ascii=False)))


@pytest.mark.parametrize("name", [SEED_001, SEED_004])
def test_pdf_table_across_pages_gives_the_text_result(name: str) -> None:
    import pdfplumber

    text_plan = seed_plan(name)
    data = build_pdf(layout(text_plan))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 2
        header = text_plan.columns[0].label
        assert all(page.extract_tables()[0][0][0] == header for page in pdf.pages)
    pdf_plan = read_plan(data, "plan.pdf", 2024)
    assert unwrap_hyphens(plan_to_dict(pdf_plan)) == unwrap_hyphens(plan_to_dict(text_plan))


# --- other table shapes ---------------------------------------------------------------------


def test_two_date_columns_and_an_indicator_column() -> None:
    rows: list[list[str | None]] = [
        ["Утверждаю", None, None, None, None, None],
        [
            "№",
            "Мероприятие",
            "Сроки (федеральные)",
            "Сроки (региональные)",
            "Ответственный",
            "Показатель",
        ],
        ["1", "2", "3", "4", "5", "6"],
        ["I. Самодиагностика", None, None, None, None, None],
        [
            "1.1",
            "Самодиагностика ОО",
            "до 01.03.2024",
            "с 01.02 по 15.02",
            "ТОИПКРО, МОУО",
            "Доля ОО, прошедших самодиагностику (100%)",
        ],
        ["1.2", "Собеседования", None, "2 раза в год", "муниципальные координаторы", "Количество"],
        ["1.3", "Отчёт", "когда-нибудь", "", "ОО", None],
    ]
    plan = read_plan_rows(rows, 2024)
    assert [(c.role, c.label) for c in plan.columns if c.role == "deadline"] == [
        ("deadline", "Сроки (федеральные)"),
        ("deadline", "Сроки (региональные)"),
    ]
    assert [(s.number, s.title) for s in plan.sections] == [("I", "Самодиагностика")]
    first, second, third = plan.items
    assert [(d.label, d.schedule.kind.value) for d in first.deadlines] == [
        ("Сроки (федеральные)", "due"),
        ("Сроки (региональные)", "window"),
    ]
    assert first.targets == [
        Target(
            "Доля ОО, прошедших самодиагностику (100%)",
            "Доля ОО, прошедших самодиагностику",
            ">=",
            100,
            "%",
        )
    ]
    assert first.expected_result is None
    assert [(d.label, d.schedule.times_per_year) for d in second.deadlines] == [
        ("Сроки (региональные)", 2)
    ]
    # An indicator without a value stays visible for the operator to complete.
    assert second.targets == [Target("Количество", "Количество", None, None, None)]
    assert second.responsible[0].organisation == "МОУО"
    # An unreadable deadline is not an error.
    assert [(d.schedule.kind.value, d.schedule.text) for d in third.deadlines] == [
        ("unknown", "когда-нибудь")
    ]


def test_docx_header_spanning_sub_headers_names_both_date_columns() -> None:
    document = docx.Document()
    table = document.add_table(rows=4, cols=5)
    top, sub, item, last = table.rows
    # «Сроки» spans two columns; the other header cells span the two header rows.
    top.cells[2].merge(top.cells[3]).text = "Сроки"
    for index, text in [(0, "№"), (1, "Мероприятие"), (4, "Ответственные")]:
        top.cells[index].merge(sub.cells[index]).text = text
    sub.cells[2].text = "федеральные"
    sub.cells[3].text = "региональные"
    for index, text in enumerate(["1.", "Семинар", "март", "апрель", "ТОИПКРО"]):
        item.cells[index].text = text
    for index, text in enumerate(["2.", "Форум", "май", "июнь", "ТОИПКРО"]):
        last.cells[index].text = text
    buffer = io.BytesIO()
    document.save(buffer)
    plan = read_plan(buffer.getvalue(), "plan.docx", 2024)
    assert [(c.index, c.role, c.label) for c in plan.columns] == [
        (0, "number", "№"),
        (1, "title", "Мероприятие"),
        (2, "deadline", "Сроки (федеральные)"),
        (3, "deadline", "Сроки (региональные)"),
        (4, "responsible", "Ответственные"),
    ]
    assert [(i.number, i.title, [d.schedule.text for d in i.deadlines]) for i in plan.items] == [
        ("1", "Семинар", ["март", "апрель"]),
        ("2", "Форум", ["май", "июнь"]),
    ]


def test_repeated_headers_column_numbers_and_rules_are_skipped() -> None:
    header = "№ п/п\tМероприятие\tСрок\tОтветственный\tРезультат"
    text = "\n".join(
        [
            "Приложение к приказу",
            header,
            "1\t2\t3\t4\t5",
            "1.\tСеминар\tмарт\tТОГИРРО\tОхват участников – 40%",
            "",
            header,
            "2.\tФорум\tапрель\tТОГИРРО, МОУО\tПрограмма форума",
            "-----\t-----\t---\t----\t----",
            "<b>Начальник отдела</b>",
        ]
    )
    plan = read_plan(text.encode(), "plan.txt", 2024)
    assert [(s.number, s.title) for s in plan.sections] == [(None, None)]
    assert [(i.number, i.title) for i in plan.items] == [("1", "Семинар"), ("2", "Форум")]


def test_text_in_other_encodings_is_read() -> None:
    text = "Мероприятие\tСрок\tОтветственный\nСеминар\tмарт\tТОГИРРО\n"
    for encoding in ("cp1251", "utf-16"):
        plan = read_plan(text.encode(encoding), "plan.txt", 2024)
        assert [i.title for i in plan.items] == ["Семинар"]


# --- bad input ------------------------------------------------------------------------------


def test_document_without_a_plan_table_is_refused() -> None:
    with pytest.raises(PlanReadError, match="Не найдена таблица плана"):
        read_plan(seed_bytes("003_b60a28b6a440dc39.txt"), "003.txt", 2023)


def test_docx_without_a_plan_table_is_refused() -> None:
    document = docx.Document()
    document.add_paragraph("Протокол совещания")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Присутствовали"
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(PlanReadError, match="Не найдена таблица плана"):
        read_plan(buffer.getvalue(), "protocol.docx", 2024)


def test_header_without_items_is_refused() -> None:
    with pytest.raises(PlanReadError, match="нет ни одного мероприятия"):
        read_plan("№\tМероприятие\tСроки\tОтветственный\n".encode(), "empty.txt", 2024)


@pytest.mark.skipif(not ocr_available(), reason="the tesseract command is not installed")
def test_image_only_pdf_without_a_table_is_refused_with_a_clear_message() -> None:
    # A page without text goes to OCR (tests/kernels/test_ocr.py); here it holds no table.
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    data = bytes(pdf.output())
    with pytest.raises(PlanReadError, match="похож на скан, но таблицы на нём распознать не"):
        read_plan(data, "scan.pdf", 2024)


def test_pdf_with_text_but_no_table_is_refused() -> None:
    pdf = FPDF()
    pdf.add_font("DejaVu", "", FONT)
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Распоряжение о реализации проекта «Школа Минпросвещения России»")
    with pytest.raises(PlanReadError, match="Не найдена таблица плана"):
        read_plan(bytes(pdf.output()), "letter.pdf", 2024)


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_refused(seed: int) -> None:
    data = random.Random(seed).randbytes(2048)
    with pytest.raises(PlanReadError) as raised:
        read_plan(data, "noise.bin", 2024)
    assert "«noise.bin»" in str(raised.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "пуст"),
        (b"PK\x03\x04broken", "повреждённый архив"),
        (b"%PDF-1.7\nbroken", "PDF"),
    ],
)
def test_broken_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(PlanReadError, match=message):
        read_plan(data, "broken", 2024)


def test_xlsx_is_sent_to_the_rows_reader() -> None:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    with pytest.raises(PlanReadError, match="XLSX"):
        read_plan(buffer.getvalue(), "plan.xlsx", 2024)


CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "1.1.", "март", "<b>1. Раздел</b>", "ТОГИРРО МОУО", "Охват – 40%"]),
    st.text(max_size=30),
)


@given(body=st.lists(st.lists(CELLS, max_size=6), max_size=12))
def test_any_body_under_a_header_reads_or_is_refused_cleanly(body: list[list[str | None]]) -> None:
    rows: list[list[str | None]] = [["№", "Мероприятие", "Сроки", "Ответственный", "Результат"]]
    try:
        plan = read_plan_rows([*rows, *body], 2024)
    except PlanReadError:
        return
    json.dumps(plan_to_dict(plan))
    assert plan.items


# --- round two: the shapes the blind test found ---------------------------------------------


def test_three_header_rows_start_and_end_years_a_dash_and_unit_value_columns() -> None:
    rows: list[list[str | None]] = [
        ["№", "Мероприятие", "Срок реализации", None, "Ответственный", "Показатель", None, None],
        [None, None, "начало", "окончание", None, "наименование", "ед. изм.", "значение"],
        [None, None, "(год)", "(год)", None, None, None, "(по годам)"],
        ["1.", "Мониторинг", "2019", "2024", "ЦОКО", "Доля школ", "%", "2023 г. 95; 2024 г. 98"],
        ["2.", "Переход в электронный вид", "2021", "-", "РЦОИ", "Доля процедур", "%", "60"],
        [None, "Итого", None, None, None, None, None, "2"],
    ]
    plan = read_plan_rows(rows, 2024)
    assert [column.role for column in plan.columns] == [
        "number",
        "title",
        "deadline",
        "deadline_end",
        "responsible",
        "indicator",
        "unit",
        "value",
    ]
    first, second = plan.items
    assert first.deadlines[0].label == "Срок реализации"
    assert first.deadlines[0].schedule.windows == ((date(2019, 1, 1), date(2024, 12, 31)),)
    assert second.deadlines[0].schedule.windows == ((date(2021, 1, 1), date(2021, 12, 31)),)
    assert [(t.metric, t.value, t.unit) for t in first.targets] == [("Доля школ", 98, "%")]
    assert [(t.metric, t.value, t.unit) for t in second.targets] == [("Доля процедур", 60, "%")]


def test_a_continuation_row_joins_its_item_and_says_so() -> None:
    rows: list[list[str | None]] = [
        ["№", "Мероприятие", "Сроки", "Ответственные"],
        ["1", "Совещание с руководителями", "январь", "МОУО"],
        [None, "(в том числе в дистанционной форме)", None, None],
        ["2", "Семинар", "февраль", "Муниципальное казённое учреждение «Информационно-"],
        [None, None, None, "методический центр»"],
    ]
    first, second = read_plan_rows(rows, 2024).items
    assert first.title == "Совещание с руководителями (в том числе в дистанционной форме)"
    assert [doubt.reason for doubt in first.doubts] == [
        "продолжение строки найдено в отдельной строке таблицы и присоединено"
    ]
    assert [r.organisation for r in second.responsible] == ["ИМЦ"]


def test_a_table_without_a_header_row_is_read_by_its_contents() -> None:
    rows: list[list[str | None]] = [
        ["1. Самодиагностика"],
        ["1.1.", "Проведение самодиагностики", "до 20.02.2024", "ОО, МОУО", "Отчёт"],
        ["1.2.", "Анализ результатов", "март", "ТОИПКРО", "Справка"],
        ["1.4.", "Проектные сессии", "апрель – май", "ТОИПКРО, МОУО", "Проведено 5 сессий"],
    ]
    plan = read_plan_rows(rows, 2024)
    assert [section.title for section in plan.sections] == ["Самодиагностика"]
    assert [item.title for item in plan.items] == [
        "Проведение самодиагностики",
        "Анализ результатов",
        "Проектные сессии",
    ]
    assert [note.reason for note in plan.notes] == [
        "у таблицы нет строки заголовков: столбцы определены по содержимому"
    ]
    assert plan.lost == ["1.3"]


def test_a_text_table_aligned_by_spaces_is_read() -> None:
    text = (
        "№    Мероприятие                 Срок            Исполнитель\n"
        "1.1  Сбор сведений о школьных    январь          МОУО\n"
        "     координаторах\n"
        "1.2  Совещание                   до 15 февраля   региональный\n"
        "                                                 координатор\n"
    )
    plan = read_plan(text.encode(), "plan.txt", 2024)
    assert [(item.title, item.responsible_text) for item in plan.items] == [
        ("Сбор сведений о школьных координаторах", "МОУО"),
        ("Совещание", "региональный координатор"),
    ]
    assert plan.items[1].responsible[0].organisation == "Региональный оператор"


def test_a_row_cut_by_a_page_break_with_its_date_cut_too_is_one_item() -> None:
    header = "№ п/п\tНаименование мероприятия\tСроки\tОтветственный"
    text = "\n".join(
        [
            header,
            "1.\tРазработка программ развития с\tдо 31\tОО",
            "",
            header,
            "\tучётом результатов самодиагностики\tмая 2025* года\t",
            "2.\tЗащита программ\tиюнь\tМОУО",
        ]
    )
    first, second = read_plan(text.encode(), "plan.txt", 2025).items
    assert first.title == "Разработка программ развития с учётом результатов самодиагностики"
    assert first.deadlines[0].schedule.windows == ((None, date(2025, 5, 31)),)
    assert [doubt.reason for doubt in first.doubts] == ["строка продолжается на следующей странице"]
    assert second.doubts == []
