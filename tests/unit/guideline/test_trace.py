"""guideline.trace: the silence recorder behind the explain endpoint."""

from __future__ import annotations

from cds_hooks.guideline import trace


def test_silent_outside_recording_does_nothing() -> None:
    assert trace.silent("dvt-duplex-ultrasound", "reason") is None
    with trace.recording() as reasons:
        pass
    assert reasons == {}


def test_first_reason_per_recommendation_wins() -> None:
    with trace.recording() as reasons:
        trace.silent("a", "first")
        trace.silent("a", "second")
        trace.silent("b", "other")
    assert reasons == {"a": "first", "b": "other"}
    trace.silent("a", "after")  # recording ended: not collected
    assert reasons == {"a": "first", "b": "other"}


def test_nested_recordings_are_separate() -> None:
    with trace.recording() as outer:
        with trace.recording() as inner:
            trace.silent("x", "inner")
        trace.silent("y", "outer")
    assert inner == {"x": "inner"}
    assert outer == {"y": "outer"}


def test_first_unmet() -> None:
    assert trace.first_unmet(("a", True), ("b", False), ("c", False)) == "b"
    assert trace.first_unmet(("a", True)) == ""
