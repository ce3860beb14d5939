"""The record of a training run: one row of named figures per epoch (or per update),
as columns for plotting, as JSON, an aligned table in a terminal and HTML in Jupyter."""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from ..tables import html_table, text_table


class History:
    """Rows of figures, e.g. History("epoch").append(loss=0.7, accuracy=0.5)."""

    def __init__(self, step: str = "epoch", title: str = "training"):
        self.step, self.title = step, title
        self.rows: list[dict[str, float]] = []

    def append(self, **figures: float) -> None:
        if self.rows and set(figures) != set(self.rows[0]):
            raise ModelError(f"a {self.step} records {', '.join(self.columns)}, got {', '.join(figures)}")
        self.rows.append({name: float(value) for name, value in figures.items()})

    @property
    def columns(self) -> list[str]:
        return list(self.rows[0]) if self.rows else []

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, column: str) -> np.ndarray:
        """The column's values, one per row."""
        if column not in self.columns:
            raise KeyError(f"{column!r} is not a column of this history (columns: {', '.join(self.columns)})")
        return np.array([row[column] for row in self.rows])

    def to_dict(self) -> dict[str, list[float]]:
        return {column: self[column].tolist() for column in self.columns}

    def _table(self) -> tuple[list[str], list[list]]:
        return [self.step, *self.columns], [[i + 1, *row.values()] for i, row in enumerate(self.rows)]

    def _caption(self) -> str:
        return f"{self.title}: {len(self)} {self.step}{'s' if len(self) != 1 else ''}"

    def __repr__(self) -> str:
        header, rows = self._table()
        # The last rows matter most in a long run: show the end of it.
        shown = rows[-20:]
        skipped = f"\n  ({len(rows) - len(shown)} earlier {self.step}s not shown)" if len(rows) > len(shown) else ""
        return self._caption() + skipped + ("\n" + text_table(header, shown, indent="  ") if rows else "")

    def _repr_html_(self) -> str:
        header, rows = self._table()
        return html_table(header, rows, self._caption())
