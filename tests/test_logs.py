"""The log filter masks anything shaped like a phone number, and nothing else."""
from __future__ import annotations

import logging

import pytest

from bot.platform.logs import RedactNumbers


def filtered(message: str, *args: object) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    RedactNumbers().filter(record)
    return record.getMessage()


@pytest.mark.parametrize("text", [
    "+15551234567", "whatsapp:+15551234567", "WhatsApp:+5215512345678", "(816) 555-0100", "816-555-0100",
    "816.555.0100", "+52 1 55 1234 5678", "15551234567",
])
def test_phone_numbers_are_masked(text):
    assert filtered("from %s today", text) == "from [number] today"


def test_a_number_before_a_colon_is_masked():
    assert filtered("sender +15551234567: hola") == "sender [number]: hola"


@pytest.mark.parametrize("text", [
    "Worker e14f0c8a12345678a0b027b226f42: started", "tip K7QF-3MZP", "2026-11-25 00:50:41", "job 3 of 12",
    "conv=f82a95906", "port 6379",
])
def test_other_text_is_left_alone(text):
    assert filtered(text) == text
