"""Scenario sweeps: a grid of overrides over a base scenario, run serially or on Dask,
resumable, summarized in one tidy table and a comparison page (``heart-plan sweep``).

``grid`` reads the grid file into cases; ``cases`` runs one case and keys it by its
inputs; ``execute`` runs the pending cases (in-process or on a Dask cluster) into the
resumable store; ``outputs`` writes the table and the page.
"""
