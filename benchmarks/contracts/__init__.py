"""Contracts of the benchmarks (read as source text and deployed through governance)."""

from pathlib import Path


def source(name: str) -> str:
    return (Path(__file__).parent / f"{name}.py").read_text(encoding="utf-8")
