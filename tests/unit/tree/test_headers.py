"""METADATA and WHEEL fields read as the email package reads them, whatever their shape."""

from __future__ import annotations

import pytest

from layerbuild.tree.distributions import _email_headers, headers_of

CASES = {
    "plain": "Metadata-Version: 2.1\nName: six\nVersion: 1.17.0\n\nThe body: Not: a field\n",
    "repeated and any case": "name: a\nRequires-Dist: x>=1\nrequires-dist: y ; extra == 'z'\n",
    "no blank line": "Name: a\nVersion: 1",
    "crlf": "Name: a\r\nVersion: 2\r\n\r\nbody\r\n",
    "folded value": "Name: a\nSummary: one\n  two\nVersion: 3\n",
    "a line that is no field": "Name: a\nnot a field\nVersion: 4\n",
    "empty value": "Name: a\nLicense:\nVersion: 5\n",
    "tabs": "Name:\tb\nTag: py3-none-any\nTag: py2-none-any\n",
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_fields_are_what_the_email_parser_reads(text):
    assert headers_of(text) == _email_headers(text)
