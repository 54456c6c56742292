"""`inv bench --plot`: the run's figures as PNG pictures beside its JSON, drawn here with zlib alone (no plotting
library to install for two charts): latency against clients for the load section, and each image's size by layer group
(base, dependencies, code) for the build section."""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
import zlib
from pathlib import Path

WHITE, BLACK, GREY = (255, 255, 255), (40, 40, 40), (200, 200, 200)
COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75))
#: A 3x5 pixel font: each glyph is five rows of three bits.
GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001010010010",
    "8": "111101111101111", "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
    "C": "011100100100011", "D": "110101101101110", "E": "111100110100111", "F": "111100110100100",
    "G": "011100101101011", "H": "101101111101101", "I": "111010010010111", "J": "001001001101010",
    "K": "101101110101101", "L": "100100100100111", "M": "101111111101101", "N": "110101101101101",
    "O": "010101101101010", "P": "110101110100100", "Q": "010101101110011", "R": "110101110101101",
    "S": "011100010001110", "T": "111010010010010", "U": "101101101101111", "V": "101101101101010",
    "W": "101101111111101", "X": "101101010101101", "Y": "101101010010010", "Z": "111001010100111",
    ".": "000000000000010", ",": "000000000010100", ":": "000010000010000", "/": "001001010100100",
    "-": "000000111000000", "(": "010100100100010", ")": "010001001001010", "%": "101001010100101",
    "'": "010010000000000", "_": "000000000000111", "=": "000111000111000", "+": "000010111010000",
    " ": "000000000000000",
}  # fmt: skip


class Canvas:
    """An RGB picture to draw on, written as PNG."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.pixels = [bytearray(WHITE * width) for _ in range(height)]

    def dot(self, x: int, y: int, colour: tuple[int, int, int]) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.pixels[y][3 * x : 3 * x + 3] = bytes(colour)

    def box(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        for y in range(max(0, min(y0, y1)), min(self.height, max(y0, y1) + 1)):
            for x in range(max(0, min(x0, x1)), min(self.width, max(x0, x1) + 1)):
                self.dot(x, y, colour)

    def line(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int], width: int = 1) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            x, y = round(x0 + (x1 - x0) * i / steps), round(y0 + (y1 - y0) * i / steps)
            self.box(x - width // 2, y - width // 2, x + (width - 1) // 2, y + (width - 1) // 2, colour)

    def text(self, x: int, y: int, words: str, colour: tuple[int, int, int] = BLACK, scale: int = 2) -> int:
        """Draw text from (x, y), its top left corner; return where it ends."""
        for char in words.upper():
            glyph = GLYPHS.get(char, GLYPHS[" "])
            for bit, on in enumerate(glyph):
                if on == "1":
                    gx, gy = x + (bit % 3) * scale, y + (bit // 3) * scale
                    self.box(gx, gy, gx + scale - 1, gy + scale - 1, colour)
            x += 4 * scale
        return x

    def png(self) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        rows = b"".join(b"\x00" + bytes(row) for row in self.pixels)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def axes(canvas: Canvas, title: str, y_label: str, top: float) -> tuple[int, int, int, int]:
    """Title, frame and the y axis's grid from 0 to `top`; returns the plot area (left, top, right, bottom)."""
    left, upper, right, lower = 90, 60, canvas.width - 30, canvas.height - 70
    canvas.text(left, 20, title, scale=3)
    canvas.text(10, upper - 25, y_label)
    for i in range(5):
        y = lower - (lower - upper) * i // 4
        canvas.line(left, y, right, y, GREY)
        canvas.text(10, y - 5, f"{top * i / 4:.0f}")
    canvas.line(left, upper, left, lower, BLACK, 2)
    canvas.line(left, lower, right, lower, BLACK, 2)
    return left, upper, right, lower


def latency_chart(series: dict[str, dict[int, float]]) -> Canvas:
    """Milliseconds against clients (a log scale), one line per series."""
    canvas = Canvas(900, 520)
    clients = sorted({n for points in series.values() for n in points})
    top = max(v for points in series.values() for v in points.values()) * 1.1
    left, upper, right, lower = axes(canvas, "Latency against clients", "ms", top)
    span = math.log2(clients[-1] / clients[0]) or 1

    def place(n: int, ms: float) -> tuple[int, int]:
        return left + round((right - left) * math.log2(n / clients[0]) / span), lower - round((lower - upper) * ms / top)

    for n in clients:
        canvas.text(place(n, 0)[0] - 6, lower + 10, str(n))
    canvas.text((left + right) // 2 - 30, lower + 35, "clients")
    for i, (name, points) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        spots = [place(n, points[n]) for n in sorted(points)]
        for (x0, y0), (x1, y1) in itertools.pairwise(spots):
            canvas.line(x0, y0, x1, y1, colour, 3)
        canvas.box(left + 20, upper + 10 + 22 * i, left + 40, upper + 20 + 22 * i, colour)
        canvas.text(left + 50, upper + 10 + 22 * i, name)
    return canvas


def layers_chart(images: dict[str, dict[str, float]]) -> Canvas:
    """Each image a bar, stacked by layer group (MB)."""
    canvas = Canvas(900, 520)
    top = max(sum(groups.values()) for groups in images.values()) * 1.1
    left, upper, right, lower = axes(canvas, "Image size by layer group", "MB", top)
    width = (right - left) // max(len(images), 1)
    groups = list(dict.fromkeys(g for parts in images.values() for g in parts))
    for i, (image, parts) in enumerate(images.items()):
        x0, bottom = left + i * width + width // 5, lower
        for g, group in enumerate(groups):
            height = round((lower - upper) * parts.get(group, 0) / top)
            canvas.box(x0, bottom - height, x0 + width * 3 // 5, bottom - 1, COLOURS[g])
            bottom -= height
        for row, words in enumerate(image.split(": ")):  # "shape: variant" on two lines
            scale = 2 if len(words) * 8 <= width else 1
            canvas.text(x0 - width // 5, lower + 10 + 16 * row, words[: width // (4 * scale)], scale=scale)
        canvas.text(x0, bottom - 16, f"{sum(parts.values()):.0f}")
    for g, group in enumerate(groups):  # the legend beside the title, above the bars
        canvas.box(right - 200, 6 + 16 * g, right - 185, 15 + 16 * g, COLOURS[g])
        canvas.text(right - 175, 6 + 16 * g, group)
    return canvas


def latency_series(rows: list[dict]) -> dict[str, dict[int, float]]:
    """From the load section's "<path>, N clients: p50 / p99" rows: p50 and p99 per path, by clients."""
    series: dict[str, dict[int, float]] = {}
    for row in rows:
        found = re.fullmatch(r"(\w+), (\d+) clients: p50 / p99", row["figure"])
        if found:
            path, clients = found.group(1), int(found.group(2))
            series.setdefault(f"{path} p50", {})[clients] = row["baseline_value"]
            series.setdefault(f"{path} p99", {})[clients] = row["value"]
    return series


def plot(run_file: Path) -> list[Path]:
    """The pictures of a run's JSON, written beside it; those its sections have no figures for are left out."""
    run = json.loads(run_file.read_text())
    drawn = {"latency": latency_series(run["rows"]), "layers": run.get("layers", {})}
    charts = {"latency": latency_chart, "layers": layers_chart}
    written = []
    for name, data in drawn.items():
        if data:
            path = run_file.with_name(f"{run_file.stem}-{name}.png")
            path.write_bytes(charts[name](data).png())
            written.append(path)
    return written
