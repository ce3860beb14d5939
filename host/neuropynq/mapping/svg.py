"""A picture of a mapping: the mesh with every used core coloured by layer and
labelled with its slice, and every directed link drawn with a width and darkness
proportional to its load (east/south links above and left of the centre line,
west/north ones below and right)."""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from .result import Mapping

CELL = 44          # px per core, pitch of the mesh
CORE = 30          # px, side of a core's square
MARGIN = 30
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
ROLE_MARK = {"direct": "", "partial": "p", "merge": "m"}


def _centre(row: int, col: int) -> tuple[float, float]:
    return MARGIN + col * CELL + CELL / 2, MARGIN + 20 + row * CELL + CELL / 2


def mapping_svg(mapping: Mapping) -> str:
    chip, links = mapping.chip, mapping.links
    width = 2 * MARGIN + chip.cols * CELL + 160
    height = 2 * MARGIN + 20 + chip.rows * CELL
    peak = links.max() or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="9">',
           f'<text x="{MARGIN}" y="{MARGIN}" font-size="13">{escape(chip.name)}: '
           f'{mapping.cost.cores} cores, placement {escape(mapping.placement)}, traffic x hops '
           f'{mapping.cost.hop_traffic:.4g}, max link {mapping.cost.max_link_load:.4g}/step</text>']
    slice_at = {int(k): (sid, s) for sid, (s, k) in enumerate(zip(mapping.slices, mapping.cores))}
    blocked = {r * chip.cols + c for r, c in chip.unavailable}
    for r in range(chip.rows):
        for c in range(chip.cols):
            x, y = _centre(r, c)
            core = r * chip.cols + c
            if core in slice_at:
                sid, s = slice_at[core]
                fill, label = PALETTE[s.layer % len(PALETTE)], f"{sid}{ROLE_MARK[s.role]}"
            else:
                fill, label = ("#444444" if core in blocked else "#eeeeee"), ""
            out.append(f'<rect x="{x - CORE / 2}" y="{y - CORE / 2}" width="{CORE}" height="{CORE}" '
                       f'fill="{fill}" stroke="#888888"><title>core ({r}, {c})</title></rect>')
            if label:
                out.append(f'<text x="{x}" y="{y + 3}" text-anchor="middle" fill="white">{label}</text>')
    half, gap = CORE / 2, 4
    for name, (dr, dc), shift in (("east", (0, 1), -gap), ("west", (0, 1), gap),
                                  ("south", (1, 0), -gap), ("north", (1, 0), gap)):
        loads = getattr(links, name)
        for r in range(loads.shape[0]):
            for c in range(loads.shape[1]):
                load = float(loads[r, c])
                if load <= 0:
                    continue
                (x0, y0), (x1, y1) = _centre(r, c), _centre(r + dr, c + dc)
                x0, x1 = (x0 + half, x1 - half) if dc else (x0 + shift, x1 + shift)
                y0, y1 = (y0 + half, y1 - half) if dr else (y0 + shift, y1 + shift)
                share = load / peak
                grey = int(200 * (1 - share))
                out.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" '
                           f'stroke="rgb({grey},{grey},{grey})" stroke-width="{1 + 4 * share:.2f}">'
                           f'<title>{name} link ({r}, {c}): {load:.4g} packets/step</title></line>')
    legend_x = MARGIN + chip.cols * CELL + 20
    for i, layer in enumerate(mapping.layers):
        y = MARGIN + 20 + 16 * i
        out.append(f'<rect x="{legend_x}" y="{y}" width="12" height="12" '
                   f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{legend_x + 18}" y="{y + 10}">layer {i} {layer["kind"]} '
                   f'({layer["n_out"]})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(mapping: Mapping, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(mapping_svg(mapping))
    return path
