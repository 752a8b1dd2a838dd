"""Figures for the association's dashboard and the operator's overview."""
