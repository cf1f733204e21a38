"""``helpline eval``: measure the AI on your own labelled data (design §3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

eval_app = typer.Typer(help="Measure Helpline's AI on labelled data.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _existing(path: Path, what: str) -> Path:
    if not path.is_file():
        typer.echo(f"helpline: {what} file {path} does not exist", err=True)
        raise typer.Exit(2)
    return path


def _report(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    width = max(len(k) for k in result) if result else 0
    for key, value in result.items():
        if isinstance(value, float):
            value = f"{value:.4f}"
        elif isinstance(value, dict | list):
            value = json.dumps(value, default=str)
        typer.echo(f"{key.ljust(width)}  {value}")


def _run(fn: Callable[..., dict[str, Any]], as_json: bool, **kwargs: Any) -> None:
    try:
        result = fn(progress=not as_json, **kwargs)
    except ValueError as error:
        typer.echo(f"helpline: {error}", err=True)
        raise typer.Exit(2) from None
    _report(result, as_json)


@eval_app.command("intents")
def eval_intents(
    train: Annotated[Path, typer.Option(help="CSV text,label used for training.")],
    test: Annotated[Path, typer.Option(help="CSV text,label; an empty label means out-of-scope.")],
    as_json: JsonFlag = False,
) -> None:
    """In-scope accuracy, macro-F1, out-of-scope recall/precision and latency."""
    from helpline.assist.evaluation import evaluate_intents

    _run(evaluate_intents, as_json, train_csv=_existing(train, "train"), test_csv=_existing(test, "test"))


@eval_app.command("sentiment")
def eval_sentiment(
    test: Annotated[Path, typer.Option(help="CSV text,label with negative|neutral|positive.")],
    train: Annotated[Path | None, typer.Option(help="Optional CSV to adapt the model.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Macro recall and accuracy of the sentiment model."""
    from helpline.assist.evaluation import evaluate_sentiment

    _run(
        evaluate_sentiment,
        as_json,
        test_csv=_existing(test, "test"),
        train_csv=_existing(train, "train") if train else None,
    )


@eval_app.command("answers")
def eval_answers(
    kb: Annotated[Path, typer.Option(help='JSON lines {"id","title","body"}.')],
    queries: Annotated[Path, typer.Option(help='JSON lines {"text","relevant":[ids]}.')],
    as_json: JsonFlag = False,
) -> None:
    """P@1, MRR, recall@5, answer rate and decline rate of the answer bot."""
    from helpline.kb.evaluation import evaluate_answers

    _run(evaluate_answers, as_json, kb_jsonl=_existing(kb, "kb"), queries_jsonl=_existing(queries, "queries"))
