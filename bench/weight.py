"""Page weight of a first visit: the page and every same-origin file it names, compressed.

The client hands over bodies decompressed, so the bytes here are gzip (level 6, what nginx
and most CDNs do on the fly) and brotli (quality 11, what `make setup` pre-compresses static
files with) of those bodies; the app itself sends pages in brotli 5.
Map tiles and images Leaflet adds from JavaScript are not counted (not known from the HTML).
"""

import gzip
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import brotli

from bench.loadgen import Walker


@dataclass
class Weight:
    page: str
    requests: int = 0
    raw: dict[str, int] = field(default_factory=dict)  # kind -> bytes
    gzip: dict[str, int] = field(default_factory=dict)
    brotli: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, body: bytes) -> None:
        self.requests += 1
        for totals, size in (
            (self.raw, len(body)),
            (self.gzip, len(gzip.compress(body, compresslevel=6))),
            (self.brotli, len(brotli.compress(body, quality=11))),
        ):
            totals[kind] = totals.get(kind, 0) + size


class _Subresources(HTMLParser):
    """Files a browser fetches for the page: stylesheets, scripts, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        rel = (a.get("rel") or "").split()
        if tag == "link" and "stylesheet" in rel and a.get("href"):
            self.found.append(("CSS", a["href"]))
        elif tag == "link" and ({"icon", "manifest"} & set(rel)) and a.get("href"):
            self.found.append(("other", a["href"]))
        elif tag == "script" and a.get("src"):
            self.found.append(("JS", a["src"]))
        elif tag == "img" and a.get("src") and not a["src"].startswith("data:"):
            self.found.append(("other", a["src"]))


def subresources(html: str) -> list[tuple[str, str]]:
    parser = _Subresources()
    parser.feed(html)
    return list(dict.fromkeys(parser.found))


async def weigh(walker: Walker, page: str) -> Weight:
    """Fetch `page` and its same-origin files once, as a first visit with an empty cache."""
    weight = Weight(page)
    async with walker.http.get(page) as answer:
        html = await answer.read()
        base = str(answer.url)
    weight.add("HTML", html)
    for kind, url in subresources(html.decode()):
        absolute = urljoin(base, url)
        if urlsplit(absolute).netloc != urlsplit(base).netloc:
            continue  # third-party (tiles): not ours to weigh
        async with walker.http.get(absolute) as answer:
            weight.add(kind, await answer.read())
    return weight
