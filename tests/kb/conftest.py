"""Small article folders written per test, the real MiniLM encoder, and index builders."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot import embeddings


def write_article(folder: Path, article_id: str, title: str, body: str, tags: str = "[help]") -> Path:
    path = folder / f"{article_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ntitle: {title}\nurl: https://larkspur.example/help/{article_id}\ntags: {tags}\n"
        f"updated: 2026-10-01\n---\n{textwrap.dedent(body).strip()}\n",
        encoding="utf-8",
    )
    return path


SMALL_KB = {
    "shipping/delivery-times": (
        "Delivery times",
        """
        Standard delivery takes 3-5 business days in the contiguous US.

        ## Alaska and Hawaii
        Parcels to Alaska and Hawaii take 4-8 business days. Express costs $29.95 there.

        ## Canada
        Canadian orders travel with UPS and arrive in 4-8 business days.
        """,
    ),
    "returns/return-policy": (
        "Return policy",
        """
        You can return most items within 30 days of delivery for a full refund.

        ## Items we cannot take back
        Opened bags of coffee beans and gift cards cannot be returned.
        """,
    ),
    "troubleshooting/espresso-errors": (
        "Espresso machine error codes",
        """
        The display shows a code when something needs attention.

        ## E04: pump blocked
        Switch off, empty the tank, and run the descaling program twice. The pump clears itself.

        ## E07: descale required
        Descale with one sachet of descaler in 1 litre of water.
        """,
    ),
    "account/reset-password": (
        "Reset your password",
        """
        Forgot your password? Choose "Forgot password" on the sign-in page and follow the email link within 24 hours.
        """,
    ),
}


@pytest.fixture
def small_kb(tmp_path) -> Path:
    source = tmp_path / "articles"
    for article_id, (title, body) in SMALL_KB.items():
        write_article(source, article_id, title, body)
    return source


@pytest.fixture(scope="session")
def encode():
    encoder = embeddings.load_encoder()
    return lambda texts: embeddings.encode(encoder, texts)


class CountingEncoder:
    """The real encoder, counting how many texts it was asked to embed."""

    def __init__(self, encode) -> None:
        self._encode = encode
        self.texts = 0

    def __call__(self, texts):
        self.texts += len(texts)
        return self._encode(texts)


@pytest.fixture
def counting(encode) -> CountingEncoder:
    return CountingEncoder(encode)


@pytest.fixture
def article_writer():
    return write_article
