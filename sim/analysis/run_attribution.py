"""Attribution of one loaded run folder: items, stakeholders or criteria (`negsim explain`, the dashboard)."""

from __future__ import annotations

__all__ = ["attribute_run"]


def attribute_run(run, by: str, metrics: list[str], settings):
    """One attribution of a loaded run (items, stakeholders or criteria), with any extra text (the capture check)."""
    from sim.analysis.attribution import AttributionError, attribute_criteria, attribute_items, base_package

    if by == "criteria":
        bad = [m for m in metrics if not m.startswith("group:")]
        if bad:
            raise AttributionError(f"--metric: {bad[0]}: criteria split group utilities; fix: use group:ID")
        groups = [m.split(":", 1)[1] for m in metrics] or None
        return attribute_criteria(run.ctx, run.package, groups, settings), ""
    metrics = metrics or ["total"]
    if by == "items":
        base, name = base_package(run)
        return attribute_items(run.ctx, run.package, base, metrics, settings, base_name=name), ""
    from sim.analysis.stakeholders import VoiceSetup, attribute_stakeholders, capture_text, silence_text
    from sim.core.records import read_transcript

    transcript = read_transcript(run.folder) if (run.folder / "transcript.jsonl").is_file() else None
    setup = VoiceSetup.from_summary(run.summary, run.ctx.rubric.group_ids)
    attribution = attribute_stakeholders(run.ctx, run.package, metrics, transcript, settings, setup=setup)
    capture = attribution.details.get("capture")
    extra = [silence_text(attribution.details["silence_cost"])] + ([capture_text(capture)] if capture else [])
    return attribution, "\n".join(extra)
