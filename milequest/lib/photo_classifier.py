"""Nudity classification behind a small interface; NudeNet's wheel ships its ONNX model.

The model runs offline (nudenet/320n.onnx inside the package, onnxruntime on the CPU) and is
loaded once per process, on first use. Only the cleaned display JPEG is ever given to it.
"""

from dataclasses import dataclass
from functools import cache
from typing import Protocol

# Detector classes that make a photo unfit for a workplace team feed.
UNSAFE_CLASSES = frozenset(
    {
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "FEMALE_BREAST_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)


@dataclass(frozen=True)
class Verdict:
    score: float  # 0..1, the most confident unsafe detection
    labels: tuple[str, ...]  # the unsafe classes found


class Classifier(Protocol):
    def classify(self, jpeg: bytes) -> Verdict: ...


class NudeNetClassifier:
    def __init__(self) -> None:
        from nudenet import NudeDetector  # onnxruntime and OpenCV load only in the worker

        self.detector = NudeDetector()

    def classify(self, jpeg: bytes) -> Verdict:
        unsafe = [d for d in self.detector.detect(jpeg) if d["class"] in UNSAFE_CLASSES]
        return Verdict(
            score=max((d["score"] for d in unsafe), default=0.0),
            labels=tuple(sorted({d["class"] for d in unsafe})),
        )


@cache
def classifier() -> Classifier:
    return NudeNetClassifier()


def decide(verdict: Verdict, hold_at: float, reject_at: float) -> str:
    """approved, held (a captain looks) or rejected, by the configured thresholds."""
    if verdict.score >= reject_at:
        return "rejected"
    if verdict.score >= hold_at:
        return "held"
    return "approved"
