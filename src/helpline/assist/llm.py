"""Optional LLM provider: any OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM, Ollama,
llama.cpp server, a hosted API).

Configured by environment variables, read when a provider is requested:

* ``HELPLINE_LLM_URL`` — base URL, e.g. ``http://127.0.0.1:11434`` (``/v1/chat/completions`` is
  appended unless the URL already ends with it); unset: everything stays offline;
* ``HELPLINE_LLM_MODEL`` — the model name to ask for (default ``default``);
* ``HELPLINE_LLM_KEY`` — sent as a bearer token when set;
* ``HELPLINE_LLM_TIMEOUT`` — seconds per request (default 20).

Callers fall back to the offline path on any :class:`LlmError`, and check what the model wrote
against what was retrieved (the grounding check) before using it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

PATH = "/v1/chat/completions"


class LlmError(RuntimeError):
    """The endpoint could not be reached or answered with something unusable."""


@dataclass(frozen=True)
class LlmProvider:
    url: str
    model: str = "default"
    key: str = ""
    timeout: float = 20.0

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith(PATH) else base + PATH

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int = 600, temperature: float = 0.2) -> str:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        try:
            response = httpx.post(self.endpoint, json=body, headers=headers, timeout=self.timeout)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
            raise LlmError(f"{self.endpoint}: {type(error).__name__}: {error}") from error
        if not isinstance(content, str) or not content.strip():
            raise LlmError(f"{self.endpoint}: empty answer")
        return content.strip()


def provider_from_env(environ: dict[str, str] | None = None) -> LlmProvider | None:
    env = os.environ if environ is None else environ
    url = env.get("HELPLINE_LLM_URL", "").strip()
    if not url:
        return None
    try:
        timeout = float(env.get("HELPLINE_LLM_TIMEOUT", "20"))
    except ValueError:
        timeout = 20.0
    return LlmProvider(
        url=url,
        model=env.get("HELPLINE_LLM_MODEL", "").strip() or "default",
        key=env.get("HELPLINE_LLM_KEY", "").strip(),
        timeout=max(timeout, 0.1),
    )
