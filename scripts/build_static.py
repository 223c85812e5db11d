#!/usr/bin/env python3
"""`make setup`'s static build: static/ -> build/static/, minified, hashed, pre-compressed.

    scripts/build_static.py [SOURCE [TARGET [MANIFEST]]]   (static build/static build/static.json)

Our own stylesheets and scripts lose their comments and spaces (rcssmin, rjsmin; vendor/ comes
minified). Every file is then copied twice: under its own name (for what names it relatively:
leaflet.css's images) and under one carrying a hash of its content (css/app.css ->
css/app.1a2b3c4d5e6f.css); WhiteNoise's compressor writes a gzip (-9) and a brotli (-11) copy
beside each file that shrinks. The manifest maps each name to its hashed name
(milequest/static_files.py reads it).
"""

import hashlib
import json
import shutil
import sys
from pathlib import Path

import rcssmin
import rjsmin
from whitenoise.compress import Compressor

ROOT = Path(__file__).resolve().parent.parent


def hashed_name(name: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:12]
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{digest}.{extension}" if dot and "/" not in extension else f"{name}.{digest}"


def minified(name: str, content: bytes) -> bytes:
    if name.startswith("vendor/"):
        return content
    if name.endswith(".css"):
        return rcssmin.cssmin(content.decode()).encode()
    if name.endswith(".js"):
        return rjsmin.jsmin(content.decode()).encode()
    return content


def build(source: Path, target: Path, manifest: Path) -> dict[str, str]:
    shutil.rmtree(target, ignore_errors=True)
    names = {}
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.relative_to(source).as_posix()
        content = minified(name, path.read_bytes())
        names[name] = hashed_name(name, content)
        for copy in (name, names[name]):
            (target / copy).parent.mkdir(parents=True, exist_ok=True)
            (target / copy).write_bytes(content)
    compressor = Compressor(quiet=True)
    for path in sorted(target.rglob("*")):
        if path.is_file() and compressor.should_compress(path.name):
            compressor.compress(str(path))
    manifest.write_text(json.dumps(names, indent=1, sort_keys=True) + "\n")
    return names


def main(argv: list[str]) -> None:
    source, target, manifest = argv + ["static", "build/static", "build/static.json"][len(argv) :]
    names = build(ROOT / source, ROOT / target, ROOT / manifest)
    print(f"static: {len(names)} files hashed and compressed into {target}/")


if __name__ == "__main__":
    main(sys.argv[1:])
