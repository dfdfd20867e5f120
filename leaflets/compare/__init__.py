"""Compare two versions of a leaflet edition: a redline report for re-approval.

versions: find the two versions (git revisions or folders); load: resolve each with the normal
pipeline; words: tokens, sentences and word diffs; diff: the model diff; report: HTML, PDF and
JSON; pages: page images compared.
"""
