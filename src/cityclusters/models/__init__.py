"""Regression models of the book: fixed-effects panels, staggered DID and event studies.

Every estimator returns a :class:`~cityclusters.models.results.RegressionResult`, whose
``coefficients`` table has one row per term and the same columns everywhere, so that the
chapters print any model with :func:`cityclusters.models.regression_table.regression_table`.
"""
