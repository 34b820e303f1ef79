"""`facilibot run` on an unusable encryption store: one clear message and status 3."""

from __future__ import annotations

import bot.app
from bot.cli import EXIT_CRYPTO_STORE, main
from bot.matrix.errors import CryptoStoreError

CONFIG = """
[matrix]
homeserver = "https://matrix.example.org"
user_id = "@bot:example.org"
access_token = "t"
"""


def test_run_exits_3_with_the_recovery_steps(tmp_path, monkeypatch, capsys):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")

    async def broken_store(config):
        raise CryptoStoreError("the encryption store x.db is missing. Recovery: set ...")

    monkeypatch.setattr(bot.app, "run", broken_store)
    assert main(["run", "--config", str(path)]) == EXIT_CRYPTO_STORE == 3
    err = capsys.readouterr().err
    assert "magasin de chiffrement inutilisable" in err and "Recovery" in err
    assert "Traceback" not in err
