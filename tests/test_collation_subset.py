"""Sort keys from the subset of pyuca's table equal the keys of pyuca's whole table."""

from __future__ import annotations

import pyuca
import pytest

from leaflets.i18n.locales import sort_key

TERMS = ["CDK4/6", "HER2", "ER", "ERs", "AI", "Öl", "öl", "Ol", "ñu", "nu", "straße", "STRASSE", "Æther",
         "ǅ", "ﬁn", "i̇", "Ωmega", "日本", "\U00017000", "\U0001B170", "𝔸", "e\u0301", "é", "a-b", "a b", "x_y", "SERD", "SERM", ""]


@pytest.fixture(scope="module")
def whole():
    return pyuca.Collator()


@pytest.mark.parametrize("term", TERMS)
def test_key_equals_the_whole_tables(whole, term):
    assert sort_key(term) == whole.sort_key(term)


def test_order_equals_the_whole_tables(whole):
    assert sorted(TERMS, key=sort_key) == sorted(TERMS, key=whole.sort_key)
