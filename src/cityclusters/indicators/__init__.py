"""Indicators of city-cluster coordination, one module per family of methods.

- ``weights``: min–max normalisation, entropy weights, composite scores, entropy–TOPSIS
- ``coupling``: coupling degree (classic and modified), coordination degree, grades, stages
- ``obstacle``: obstacle degree by indicator and subsystem
- ``synergy``: order degree and composite-system synergy degree
- ``inequality``: Theil (and its decomposition), CV, Gini
- ``convergence``: σ- and β-convergence, speed and half-life
- ``hierarchy``: primacy indices and rank–size fits
- ``linkage``: great-circle distance, gravity linkages, network measures
- ``structure``: structure similarity and Krugman specialisation
- ``market``: relative-price segmentation and the border-effect regression
- ``spatial``: spatial weights, Moran's I, spatial lag

Modules are imported explicitly (``from cityclusters.indicators import coupling``) so that a
chapter pays only for the libraries it uses. Every function checks its input and raises
:class:`~cityclusters.errors.MethodInputError` (a ``ValueError``) naming the
argument and the reason; none returns NaN silently. ``book/methods.md`` lists each method
with its formula and source.
"""

from cityclusters.errors import MethodInputError

__all__ = ["MethodInputError"]
