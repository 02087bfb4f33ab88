"""A small hand-made risk model for the tests: few items, round weights, easy sums."""

from __future__ import annotations

# R01 is fed by the head (weight 2) and the teachers (weight 1); R02 by the teachers (1) and the
# pupils (3); R03 by the head alone; R04–R10 by one head question each (yes = no risk).
HEAD_ITEMS = "\n".join(
    f"""  - code: HX{n:02d}
    group: head
    text: "Вопрос руководителю о факторе R{n:02d}"
    options: [{{text: "Да", risk: 0}}, {{text: "Нет", risk: 1}}]
    factors: {{R{n:02d}: 1}}"""
    for n in range(4, 11)
)

MODEL = f"""code: test-risks
title: "Проверочная методика"
illustrative: true
notice: "Только для тестов."
thresholds: {{medium: 30, high: 60}}
factors: [{{code: R01}}, {{code: R02}}, {{code: R03}}, {{code: R04}}, {{code: R05}},
          {{code: R06}}, {{code: R07}}, {{code: R08}}, {{code: R09}}, {{code: R10}}]
items:
  - code: H1
    group: head
    text: "Оснащены ли кабинеты?"
    options:
      - {{text: "Да", risk: 0}}
      - {{text: "Частично", risk: 0.5}}
      - {{text: "Нет", risk: 1}}
    factors: {{R01: 2}}
  - code: H3
    group: head
    text: "Есть ли план повышения квалификации?"
    options:
      - {{text: "Да", risk: 0}}
      - {{text: "Частично", risk: 0.5}}
      - {{text: "Нет", risk: 1}}
    factors: {{R03: 1}}
  - code: T1
    group: teachers
    text: "Хватает ли оборудования?"
    options: [{{text: "Да", risk: 0}}, {{text: "Нет", risk: 1}}]
    factors: {{R01: 1}}
  - code: T2
    group: teachers
    text: "Ведёте ли вы предметы не по специальности?"
    options:
      - {{text: "Нет", risk: 0}}
      - {{text: "Иногда", risk: 0.5}}
      - {{text: "Постоянно", risk: 1}}
    factors: {{R02: 1}}
  - code: P1
    group: pupils
    text: "Хватает ли учителей?"
    options: [{{text: "Да", risk: 0}}, {{text: "Нет", risk: 1}}]
    factors: {{R02: 3}}
{HEAD_ITEMS}
"""
