"""One base class for every domain error, so a caller (the CLI) catches one type."""

from __future__ import annotations

__all__ = ["EXTRAS", "MissingExtra", "NegsimError"]

# Optional top-level module -> the extra that installs it (pyproject.toml [project.optional-dependencies]).
EXTRAS = {
    "langchain_core": "llm", "langchain_openai": "llm", "langchain_anthropic": "llm", "langchain_ollama": "llm",
    "llama_cpp": "local-llm", "pabutools": "pb", "dask": "dask", "distributed": "dask",
    "streamlit": "dashboard", "plotly": "dashboard", "playwright": "report", "shap": "explain",
    "krippendorff": "survey", "choix": "survey",
}


class NegsimError(Exception):
    """An expected mistake in the user's input or environment: one line naming the fix."""


class MissingExtra(NegsimError, ImportError):
    """An optional package a feature needs is not installed."""

    def __init__(self, what: str, module: str) -> None:
        top = module.partition(".")[0]
        extra = EXTRAS.get(top)
        fix = f"pip install 'negsim[{extra}]'" if extra else f"pip install {top}"
        super().__init__(f"{what} needs {top}, which is not installed; fix: {fix}")
        self.name = top
