"""Pictures and a worksheet for the demo site, drawn with Pillow so nothing is downloaded."""

import io
import random

from PIL import Image, ImageDraw, ImageFont

PALETTES = [
    ("#1f5f5b", "#e5f0ee", "#b4532a", "#f2b134"),
    ("#27424f", "#f3ede4", "#d0764b", "#8fb9a8"),
    ("#3b4f7a", "#eef1f6", "#e0a458", "#c96b5b"),
    ("#2e5d43", "#f5f0e6", "#d98f4e", "#6c9a8b"),
]


def cover_png(seed: str, size: tuple[int, int] = (1600, 900)) -> bytes:
    """An abstract cover: a soft field with overlapping circles and a horizon line."""
    rng = random.Random(seed)  # nosec B311 # noqa: S311 - decoration, not security
    dark, light, warm, bright = rng.choice(PALETTES)
    width, height = size
    image = Image.new("RGB", size, light)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle([0, int(height * 0.62), width, height], fill=dark)
    for colour in (warm, bright, dark, warm):
        radius = rng.randint(height // 8, height // 3)
        x = rng.randint(radius, width - radius)
        y = rng.randint(radius // 2, int(height * 0.7))
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(*rgb, 170))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def worksheet_pdf(title: str, prompts: list[str]) -> bytes:
    """A one-page A4 worksheet: a title, then each prompt with ruled lines to write on."""
    width, height = 1240, 1754  # A4 at 150 dpi
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    title_font = ImageFont.load_default(size=48)
    text_font = ImageFont.load_default(size=28)
    margin, y = 110, 120
    draw.text((margin, y), title, fill="#1f5f5b", font=title_font)
    y += 110
    lines_per_prompt = max(3, min(6, (height - y - 120) // (len(prompts) or 1) // 60 - 1))
    for number, prompt in enumerate(prompts, start=1):
        draw.text((margin, y), f"{number}. {prompt}", fill="#1d2327", font=text_font)
        y += 70
        for _ in range(lines_per_prompt):
            draw.line([(margin, y), (width - margin, y)], fill="#b9c6c3", width=2)
            y += 56
        y += 30
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()
