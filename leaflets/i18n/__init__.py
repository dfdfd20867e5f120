"""Localized editions: catalogues of the master's segments, translations, pseudo-locale, XLIFF."""
