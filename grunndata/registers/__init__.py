"""The registers grunndata holds. Each room exports ``REGISTER`` (see ``base.Register``)."""

from grunndata.registers import enhetsregister, folkeregister, kontaktregister, matrikkel
from grunndata.registers.base import Register

REGISTERS: tuple[Register, ...] = (
    folkeregister.REGISTER,
    matrikkel.REGISTER,
    enhetsregister.REGISTER,
    kontaktregister.REGISTER,
)

__all__ = ["REGISTERS", "Register"]
