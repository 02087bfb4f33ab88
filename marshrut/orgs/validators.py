"""Validators of identifiers used in the registry (INN, OGRN, OKTMO)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn


def clean_inn(value: str) -> str:
    """Return the INN of a legal entity (10 digits) or raise a ValidationError in Russian."""
    digits = "".join(value.split())
    if not digits.isdigit() or len(digits) != 10:
        raise ValidationError(_("ИНН организации — 10 цифр, получено «%(v)s»") % {"v": value})
    try:
        return str(stdnum_inn.validate(digits))
    except StdnumError:
        raise ValidationError(
            _("ИНН «%(v)s» не проходит проверку контрольного числа") % {"v": value}
        ) from None


def clean_ogrn(value: str) -> str:
    """Return the OGRN (13 digits) or raise a ValidationError in Russian."""
    digits = "".join(value.split())
    if not digits.isdigit() or len(digits) != 13:
        raise ValidationError(_("ОГРН организации — 13 цифр, получено «%(v)s»") % {"v": value})
    try:
        return str(stdnum_ogrn.validate(digits))
    except StdnumError:
        raise ValidationError(
            _("ОГРН «%(v)s» не проходит проверку контрольного числа") % {"v": value}
        ) from None


def clean_oktmo(value: str) -> str:
    """Return the OKTMO code (8 or 11 digits) or raise a ValidationError in Russian."""
    digits = "".join(value.split())
    if not digits.isdigit() or len(digits) not in (8, 11):
        raise ValidationError(_("Код ОКТМО — 8 или 11 цифр, получено «%(v)s»") % {"v": value})
    return digits


def validate_inn(value: str) -> None:
    clean_inn(value)


def validate_ogrn(value: str) -> None:
    clean_ogrn(value)


def validate_oktmo(value: str) -> None:
    clean_oktmo(value)
