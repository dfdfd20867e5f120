"""Abbreviations sort by the Unicode Collation Algorithm (pyuca), loaded only when sorting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyuca

from leaflets.i18n.locales import collation_key, sort_key

ROOT = Path(__file__).resolve().parent.parent


def test_sort_key_is_pyucas():
    collator = pyuca.Collator()
    for term in ("HER2", "a/mBC", "Ωμέγα", "ÖR", "Ñandú"):
        assert sort_key(term) == collator.sort_key(term)


def test_abbreviations_sort_as_a_reader_expects():
    terms = ["SERM", "a/mBC", "HER2", "AI", "ÖR", "CDK4/6", "er"]
    assert sorted(terms, key=collation_key("de")) == ["a/mBC", "AI", "CDK4/6", "er", "HER2", "ÖR", "SERM"]


def test_russian_sorts_by_its_own_collation_cyrillic_first():
    # CLDR's Russian tailoring puts Cyrillic before Latin; the root order puts Latin first.
    terms = ["HER2", "РЭ", "CDK4/6", "мРМЖ", "ГР", "SERM", "ИА", "РП"]
    assert sorted(terms, key=collation_key("ru")) == ["ГР", "ИА", "мРМЖ", "РП", "РЭ", "CDK4/6", "HER2", "SERM"]


def test_spanish_and_pseudo_locales_sort_by_their_collation():
    assert sorted(["ñu", "oa", "nz"], key=collation_key("es")) == ["nz", "ñu", "oa"]
    assert sorted(["РЭ", "HER2"], key=collation_key("ar-XB")) == ["HER2", "РЭ"]  # as its base, en
def test_the_collation_table_is_loaded_only_when_something_is_sorted():
    code = ("import sys; import leaflets.matrix, leaflets.view, leaflets.i18n.locales as l; "
            "assert 'pyuca' not in sys.modules; l.sort_key('a'); assert 'pyuca' in sys.modules")
    # The run's environment (PYTHONDONTWRITEBYTECODE among it): no byte-code written into the checkout.
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
