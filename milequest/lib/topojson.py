"""Read a TopoJSON topology (world-atlas's Natural Earth countries) into plain coordinates.

Only what the maps need: the land's polygons, and the borders (the arcs two countries share)
as lines.
"""

from collections import Counter
from collections.abc import Iterator

Point = tuple[float, float]
Ring = list[Point]


class Topology:
    def __init__(self, topology: dict) -> None:
        self._objects = topology["objects"]
        self._arcs = _decode_arcs(topology["arcs"], topology.get("transform"))

    def land_polygons(self, name: str = "land") -> list[list[Ring]]:
        """Each polygon of object `name`: its outer ring, then its holes."""
        return [
            [self._ring(ring) for ring in polygon] for polygon in _polygons(self._objects[name])
        ]

    def borders(self, countries: str = "countries") -> list[list[Point]]:
        """The arcs that two different countries share."""
        uses: Counter[int] = Counter()
        for geometry in self._objects[countries]["geometries"]:
            uses.update(set(_arc_uses(geometry)))
        return [self._arcs[i] for i in sorted(uses) if uses[i] > 1]

    def _ring(self, arc_indexes: list[int]) -> Ring:
        ring: Ring = []
        for index in arc_indexes:
            arc = self._arcs[index] if index >= 0 else self._arcs[~index][::-1]
            ring.extend(arc if not ring else arc[1:])  # each arc starts where the last ended
        return ring


def _decode_arcs(arcs: list, transform: dict | None) -> list[list[Point]]:
    if transform is None:
        return [[(float(x), float(y)) for x, y, *_ in arc] for arc in arcs]
    (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
    decoded = []
    for arc in arcs:
        x = y = 0
        points = []
        for qx, qy, *_ in arc:  # quantized and delta-encoded
            x += qx
            y += qy
            points.append((x * kx + dx, y * ky + dy))
        decoded.append(points)
    return decoded


def _polygons(obj: dict) -> Iterator[list[list[int]]]:
    kind = obj["type"]
    if kind == "GeometryCollection":
        for geometry in obj["geometries"]:
            yield from _polygons(geometry)
    elif kind == "Polygon":
        yield obj["arcs"]
    elif kind == "MultiPolygon":
        yield from obj["arcs"]


def _arc_uses(obj: dict) -> Iterator[int]:
    """Every arc index `obj`'s polygons use (reversed arcs as their own index)."""
    for polygon in _polygons(obj):
        for ring in polygon:
            for index in ring:
                yield index if index >= 0 else ~index
