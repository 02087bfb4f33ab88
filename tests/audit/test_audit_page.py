"""The audit log page: the operator filters and exports who changed what."""

from __future__ import annotations

import io

import openpyxl
from django.urls import reverse

from marshrut.audit.log import Action, record
from tests.conftest import World


def test_operator_filters_the_log_by_object_and_actor(world: World) -> None:
    record(world.users["coordinator"], Action.UPDATE, world.s1, changes={"phone": ["", "1"]})
    record(
        world.users["operator"], Action.UPDATE, world.m1, changes={"centre": ["", "г. Первогорск"]}
    )
    client = world.client("operator")
    page = client.get(reverse("audit:event_list"), {"target_type": "orgs.school"}).content.decode()
    assert "МАОУ СОШ № 1" in page and "город Первогорск" not in page
    page = client.get(reverse("audit:event_list"), {"actor": "operator"}).content.decode()
    assert "город Первогорск" in page and "МАОУ СОШ № 1" not in page


def test_audit_export_escapes_formulas(world: World) -> None:
    world.s1.short_name = '=HYPERLINK("http://x")'
    record(world.users["operator"], Action.UPDATE, world.s1)
    client = world.client("operator")
    csv = client.get(reverse("audit:event_list"), {"export": "csv"}).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("audit:event_list"), {"export": "xlsx"}).content)
    )
    cells = [
        c for row in book.active.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)
    ]
    assert cells and all(c.data_type == "s" for c in cells)  # a string, never a formula
