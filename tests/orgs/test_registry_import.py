"""Registry import: good files land whole, bad files are refused whole with a clear report."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt
from django.core.management import CommandError, call_command
from django.urls import reverse

from marshrut.audit.models import AuditEvent
from marshrut.lib.imports import ImportBatch as RegistryImport
from marshrut.orgs.demo import make_inn, make_ogrn
from marshrut.orgs.importing import ImportRejected, apply_file, check_file
from marshrut.orgs.models import Membership, Municipality, Person, School
from marshrut.orgs.roles import Role
from tests.conftest import World

SCHOOL_HEADER = [
    "Муниципалитет",
    "Полное наименование",
    "Краткое наименование",
    "ИНН",
    "ОГРН",
    "Местность",
    "Уровни образования",
    "ШНОР",
    "E-mail",
]


def xlsx(rows: list[list[Any]], *, title: str = "Школы", merge: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def school_row(serial: int, municipality: str = "город Первогорск", **over: Any) -> list[Any]:
    row = {
        "Муниципалитет": municipality,
        "Полное наименование": f"Муниципальное автономное общеобразовательное учреждение «Школа № {serial}»",
        "Краткое наименование": f"МАОУ Школа № {serial}",
        "ИНН": make_inn(serial),
        "ОГРН": make_ogrn(serial),
        "Местность": "городская",
        "Уровни образования": "НОО, ООО, СОО",
        "ШНОР": "нет",
        "E-mail": f"s{serial}@test.local",
    }
    row.update(over)
    return [row[h] for h in SCHOOL_HEADER]


def registry_state() -> tuple[int, ...]:
    return (
        Municipality.objects.count(),
        School.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
        RegistryImport.objects.count(),
    )


def test_schools_from_xlsx_are_created_and_audited(world: World) -> None:
    data = xlsx(
        [
            ["Реестр школ на 01.09.2024"],
            [],
            SCHOOL_HEADER,
            school_row(11),
            school_row(12, "98702000"),
            ["Итого", None, None, None, None, None, None, None, None],
        ]
    )
    plan = apply_file(world.users["operator"], data, "schools.xlsx", world.region)
    assert plan.counts()["school"]["create"] == 2
    s11 = School.objects.get(inn=make_inn(11))
    assert s11.municipality == world.m1 and s11.offers_soo and not s11.is_shnor
    assert School.objects.get(inn=make_inn(12)).municipality == world.m2  # matched by OKTMO
    assert AuditEvent.objects.filter(
        target_type="orgs.school", target_id=str(s11.pk), action="create"
    ).exists()
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_a_second_import_updates_only_what_changed(world: World) -> None:
    apply_file(None, xlsx([SCHOOL_HEADER, school_row(11)]), "a.xlsx", world.region)
    plan = check_file(
        xlsx([SCHOOL_HEADER, school_row(11, **{"ШНОР": "да"})]), "b.xlsx", world.region
    )
    (change,) = plan.changes
    assert change.action == "update" and change.fields == {"is_shnor": True}


def test_cp1251_semicolon_csv_with_all_three_kinds(world: World) -> None:
    municipalities = (
        "Муниципалитет;ОКТМО;Вид\r\nТретий район;98703000;муниципальный район\r\n".encode("cp1251")
    )
    plan = apply_file(None, municipalities, "m.csv", world.region)
    assert plan.counts()["municipality"]["create"] == 1
    people = (
        "ФИО;Должность;E-mail;Роль;Муниципалитет;ИНН ОО;Закреплённые школы (ИНН)\r\n"
        f"Петрова Анна Ивановна;Главный специалист;petrova@test.local;Муниципальный координатор;Третий район;;\r\n"
        f"Сидоров Пётр Петрович;Директор;sid@test.local;Руководитель школы;;{world.s2.inn};\r\n"
        f"Кураторова Вера;Куратор;cur2@test.local;Куратор;;;{world.s1.inn}, {world.s2.inn}\r\n"
    ).encode("cp1251")
    apply_file(None, people, "p.csv", world.region)
    petrova = Person.objects.get(email="petrova@test.local")
    assert petrova.memberships.get().municipality.name == "Третий район"
    sidorov = Person.objects.get(email="sid@test.local")
    assert sidorov.school == world.s2 and sidorov.municipality == world.m2
    curator = Membership.objects.get(person__email="cur2@test.local")
    assert curator.role == Role.CURATOR and set(curator.schools.all()) == {world.s1, world.s2}


def test_old_xls_is_read(world: World, tmp_path: Path) -> None:
    book = xlwt.Workbook()
    ws = book.add_sheet("Школы")
    for r, row in enumerate([SCHOOL_HEADER, school_row(21)]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    path = tmp_path / "old.xls"
    book.save(str(path))
    plan = apply_file(None, path.read_bytes(), "old.xls", world.region)
    assert plan.counts()["school"]["create"] == 1


def test_merged_two_row_header(world: World) -> None:
    header_top = ["Муниципалитет", "Наименование ОО", None, "Реквизиты", None]
    header_low = [None, "Полное наименование", "Краткое наименование", "ИНН", "ОГРН"]
    data = xlsx(
        [
            header_top,
            header_low,
            [
                "город Первогорск",
                "МАОУ «Школа № 31» полное",
                "МАОУ Школа № 31",
                make_inn(31),
                make_ogrn(31),
            ],
        ],
        merge="B1:C1",
    )
    plan = check_file(data, "merged.xlsx", world.region)
    assert not plan.problems, plan.problems
    assert plan.changes[0].fields["inn"] == make_inn(31)


# Bad input: each gives a clear message and leaves the database as it was.


def _refused(world: World, data: bytes, filename: str = "bad.xlsx") -> list[str]:
    before = registry_state()
    plan = check_file(data, filename, world.region)
    assert plan.problems
    with pytest.raises(ImportRejected):
        apply_file(world.users["operator"], data, filename, world.region)
    assert registry_state() == before
    return [str(p) for p in plan.problems]


def test_wrong_columns_name_the_missing_ones(world: World) -> None:
    (message,) = _refused(world, xlsx([["Название", "Код", "Телефон"], ["Школа", "1", "2"]]))
    assert "не найдена таблица реестра" in message and "ИНН" in message and "ОКТМО" in message


def test_duplicate_inn_names_both_rows(world: World) -> None:
    messages = _refused(
        world, xlsx([SCHOOL_HEADER, school_row(11), school_row(11, **{"ОГРН": make_ogrn(12)})])
    )
    assert messages == [
        f"лист «Школы», строка 3, столбец D «ИНН»: «{make_inn(11)}» — ИНН повторяется: он уже указан в строке 2"
    ]


def test_invalid_inn_checksum(world: World) -> None:
    bad = make_inn(11)[:-1] + str((int(make_inn(11)[-1]) + 1) % 10)
    (message,) = _refused(world, xlsx([SCHOOL_HEADER, school_row(11, **{"ИНН": bad})]))
    assert "строка 2" in message and "контрольного числа" in message and bad in message


def test_unknown_municipality(world: World) -> None:
    (message,) = _refused(world, xlsx([SCHOOL_HEADER, school_row(11, "Несуществующий район")]))
    assert "Несуществующий район" in message and "нет в реестре региона" in message


def test_empty_file(world: World) -> None:
    (message,) = _refused(world, b"", "empty.xlsx")
    assert "пуст" in message


def test_file_with_only_headers(world: World) -> None:
    (message,) = _refused(world, xlsx([SCHOOL_HEADER]))
    assert "нет строк с данными" in message


def test_non_xlsx_renamed(world: World) -> None:
    (message,) = _refused(
        world, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 20, "report.xlsx"
    )
    assert "PDF-документ, а не таблица" in message


def test_twenty_megabyte_file(world: World) -> None:
    (message,) = _refused(world, b"a;b\r\n" * (4 * 1024 * 1024), "big.csv")
    assert "слишком большой" in message and "20 МБ" in message


def test_school_of_another_region_is_refused(world: World) -> None:
    from marshrut.orgs.models import Region

    other = Region.objects.create(name="Другая область", code="97")
    m = Municipality.objects.create(region=other, name="Чужой район", oktmo="97701000")
    School.objects.create(
        municipality=m, full_name="Чужая школа", short_name="Чужая", inn=make_inn(77)
    )
    (message,) = _refused(world, xlsx([SCHOOL_HEADER, school_row(77)]))
    assert "другому региону" in message


def test_bad_values_are_reported_cell_by_cell(world: World) -> None:
    messages = _refused(
        world,
        xlsx(
            [
                SCHOOL_HEADER,
                school_row(
                    11, **{"ШНОР": "возможно", "E-mail": "нет-почты", "Уровни образования": "все"}
                ),
            ]
        ),
    )
    assert len(messages) == 3
    assert any("столбец H «ШНОР»" in m and "«да» или «нет»" in m for m in messages)


# The pages and the command line.


def test_upload_preview_apply_through_the_pages(world: World, settings: Any) -> None:
    # The apply runs as a background task (test_registry_apply_job.py); here it runs inline.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = world.client("operator")
    data = xlsx([SCHOOL_HEADER, school_row(41)])
    response = client.post(reverse("orgs:import_upload"), {"file": _upload("reg.xlsx", data)})
    assert response.status_code == 302
    batch = RegistryImport.objects.get()
    assert not School.objects.filter(inn=make_inn(41)).exists()  # nothing before the confirmation
    preview = client.get(response["Location"])
    assert "МАОУ Школа № 41" in preview.content.decode()
    client.post(reverse("orgs:import_apply", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert (
        batch.status == RegistryImport.Status.APPLIED
        and batch.applied_by == world.users["operator"]
    )
    assert School.objects.filter(inn=make_inn(41)).exists()


def test_upload_with_errors_shows_the_report_and_keeps_nothing(world: World) -> None:
    before = registry_state()
    response = world.client("operator").post(
        reverse("orgs:import_upload"),
        {"file": _upload("bad.xlsx", xlsx([SCHOOL_HEADER, school_row(11), school_row(11)]))},
    )
    page = response.content.decode()
    assert (
        response.status_code == 200 and "ИНН повторяется" in page and "ничего не изменилось" in page
    )
    assert registry_state() == before


def test_upload_over_the_limit_is_refused_before_reading(world: World, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    response = world.client("operator").post(
        reverse("orgs:import_upload"), {"file": _upload("big.csv", b"x" * 4096)}
    )
    assert "слишком большой" in response.content.decode()
    assert RegistryImport.objects.count() == 0


def test_cli_import_reports_and_refuses(world: World, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([SCHOOL_HEADER, school_row(11, **{"ИНН": "123"})]))
    with pytest.raises(CommandError, match="ничего не изменилось"):
        call_command("registry", "import", str(bad), "--region", "98")
    assert "ИНН организации — 10 цифр" in capsys.readouterr().err
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([SCHOOL_HEADER, school_row(11)]))
    call_command("registry", "import", str(good), "--region", "98")
    assert School.objects.filter(inn=make_inn(11)).exists()


def test_template_round_trips(world: World) -> None:
    from marshrut.orgs.importing import template_xlsx

    book = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert book.sheetnames == ["Муниципалитеты", "Школы", "Люди"]
    plan = check_file(template_xlsx(), "template.xlsx", world.region)
    assert any("нет строк с данными" in p.reason for p in plan.problems)


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_a_renamed_random_file_is_refused(world: World) -> None:
    (message,) = _refused(world, bytes(range(256)) * 64, "schools.xlsx")
    assert "XLSX" in message
