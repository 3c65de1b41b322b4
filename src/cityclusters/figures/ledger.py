"""Figure of the claims ledger: verdicts per seed paper as horizontal stacked bars."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

#: Bar colours per verdict category (colour-blind safe: blue, light blue, orange, pale
#: yellow, grey).
VERDICT_COLOURS = {
    "supported": "#1f6fb4",
    "partly supported": "#8cc2e8",
    "not supported": "#e08214",
    "inconclusive": "#f3d98b",
    "not testable with our data": "#bdbdbd",
}
#: Bilingual legend labels.
VERDICT_LABELS = {
    "supported": "supported 成立",
    "partly supported": "partly supported 部分成立",
    "not supported": "not supported 不成立",
    "inconclusive": "inconclusive 尚无定论",
    "not testable with our data": "not testable with our data 无法检验",
}


def verdict_bars(counts: pd.DataFrame, paper_labels: dict[str, str]) -> plt.Figure:
    """Stacked bars of claims per paper (rows of ``counts``) by verdict (its columns)."""
    unknown = [c for c in counts.columns if c not in VERDICT_COLOURS]
    if unknown:
        raise ValueError(f"verdict_bars: unknown verdict columns {unknown}")
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(counts) + 1.6))
    left = pd.Series(0, index=counts.index)
    labels = [paper_labels.get(p, p) for p in counts.index]
    for verdict in counts.columns:
        ax.barh(labels, counts[verdict], left=left, color=VERDICT_COLOURS[verdict],
                label=VERDICT_LABELS[verdict], edgecolor="white")
        for y, (x0, n) in enumerate(zip(left, counts[verdict])):
            if n:
                ax.text(x0 + n / 2, y, str(int(n)), ha="center", va="center", fontsize=9)
        left = left + counts[verdict]
    ax.invert_yaxis()
    ax.set_xlabel("claims 论断数")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.02 * len(counts)), ncol=2,
              frameon=False)
    fig.tight_layout()
    return fig
