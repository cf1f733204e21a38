"""Mailing-list threads delivered in shuffled order land as one ticket per thread, each message once;
and no byte sequence crashes the parser."""

from __future__ import annotations

import random
from email import message_from_bytes
from email.policy import compat32

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from helpline.core.db import Database
from helpline.email.models import InboundEmail
from helpline.email.parse import parse_message
from helpline.email.quotes import split_reply
from helpline.email.service import receive_email
from helpline.outbox.runner import OutboxRunner
from helpline.tickets.models import Message, Ticket
from tests.email_helpers import make_email
from tests.test_email_parse import CORPUS


def _ingest_shuffled(db: Database, raws: list[bytes], seed: int) -> None:
    order = raws + raws[: len(raws) // 10]  # a tenth delivered twice
    random.Random(seed).shuffle(order)
    for raw in order:
        receive_email(db, raw, source="test")
    OutboxRunner(db, name="test").drain()


def _count(db: Database, model: type) -> int:
    with db.read_sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_two_hundred_list_messages_in_shuffled_order(db: Database) -> None:
    raws: list[bytes] = []
    for thread in range(20):
        root = f"root-{thread}@list.example.org"
        chain = [root]
        for step in range(10):
            raw, _ = make_email(
                sender=f"Member {step % 4} <member{step % 4}.t{thread}@example.org>",
                to="users@list.example.org",
                subject=("Re: " if step else "") + f"Topic number {thread}",
                body=f"message {step} of thread {thread}",
                message_id=f"<{chain[-1] if not step else f'm{step}-{thread}@list.example.org'}>",
                in_reply_to=f"<{chain[-1]}>" if step else None,
                references=[f"<{c}>" for c in chain] if step else None,
                headers={"List-Id": "<users.list.example.org>", "Precedence": "list"},
            )
            if step:
                chain.append(f"m{step}-{thread}@list.example.org")
            raws.append(raw)
    assert len(raws) == 200
    _ingest_shuffled(db, raws, seed=3)
    assert _count(db, InboundEmail) == 200 and _count(db, Message) == 200
    with db.read_sessions() as s:
        sizes = s.execute(select(Message.ticket_id, func.count()).group_by(Message.ticket_id)).all()
    assert len(sizes) == 20 and {n for _, n in sizes} == {10}


def _threads(raws: list[bytes]) -> int:
    """Connected components over Message-ID / In-Reply-To / References (what a mail client shows)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for raw in raws:
        msg = message_from_bytes(raw, policy=compat32)
        ids = [str(msg.get("Message-ID", "")).strip(), *str(msg.get("In-Reply-To", "")).split()]
        ids += str(msg.get("References", "")).split()
        ids = [i.strip("<>") for i in ids if i.strip("<>")]
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
        find(ids[0])
    return len({find(x) for x in parent if x in _own_ids(raws)})


def _own_ids(raws: list[bytes]) -> set[str]:
    return {
        str(message_from_bytes(r, policy=compat32).get("Message-ID", "")).strip().strip("<>") for r in raws
    }


NOTMUCH = CORPUS / "notmuch_corpora" / "default"


@pytest.mark.skipif(not NOTMUCH.is_dir(), reason="set HELPLINE_EVAL_DATA to the shared data folder")
def test_real_mailing_list_archive_threads_like_a_mail_client(db: Database) -> None:
    raws = [p.read_bytes() for p in sorted(NOTMUCH.rglob("*")) if p.is_file()]
    raws = list({str(message_from_bytes(r).get("Message-ID")): r for r in raws}.values())
    _ingest_shuffled(db, raws, seed=11)
    assert _count(db, InboundEmail) == len(raws) == _count(db, Message)
    with db.read_sessions() as s:
        used = s.scalar(select(func.count(func.distinct(Message.ticket_id)))) or 0
        assert (s.scalar(select(func.count()).select_from(Ticket)) or 0) >= used
    assert used == _threads(raws)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_crash_the_parser(raw: bytes) -> None:
    parsed = parse_message(raw)
    split_reply(parsed.text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: a@example.com\r\n",
                b"Content-Type: multipart/mixed; boundary=XX\r\n",
                b'Content-Type: text/plain; charset="nonsense"\r\n',
                b"Content-Transfer-Encoding: base64\r\n",
                b"Content-Transfer-Encoding: quoted-printable\r\n",
                b"Subject: =?utf-8?b?!!!?=\r\n",
                b"\r\n",
                b"--XX\r\n",
                b"--XX--\r\n",
                b"=E9=\r\n",
                b"////\r\n",
                b"Content-Disposition: attachment; filename*=utf-8''%FF%FE\r\n",
                b"> quoted\r\n",
                b"On Mon, Ann wrote:\r\n",
            ]
        ),
        max_size=40,
    )
)
def test_mime_shaped_junk_never_crashes_the_parser(chunks: list[bytes]) -> None:
    parsed = parse_message(b"".join(chunks))
    split_reply(parsed.text)
