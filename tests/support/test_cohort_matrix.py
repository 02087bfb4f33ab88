"""Every cohort URL for every persona, as the project's permission matrix checks it."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from tests.conftest import PERSONAS, World
from tests.support.matrix_cohort import MATRIX_COHORT

COLUMNS = [*PERSONAS, None]


@pytest.mark.parametrize(
    ("name", "index"),
    [(name, i) for name, rows in MATRIX_COHORT.items() for i in range(len(rows))],
)
def test_cohort_matrix(world: World, name: str, index: int) -> None:
    expected, kwargs, method, data = MATRIX_COHORT[name][index]
    got = []
    for persona in COLUMNS:
        with transaction.atomic():
            url = reverse(name, kwargs=kwargs(world) if kwargs else None)
            response = getattr(world.client(persona), method)(url, data)
            got.append(str(response.status_code))
            transaction.set_rollback(True)
    assert " ".join(got) == expected, f"{name}: {' '.join(got)}"
