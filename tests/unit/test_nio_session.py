"""The nio client the bot's session uses: its HTTP session, made before nio makes one."""

from __future__ import annotations

from nio import AsyncClient, AsyncClientConfig

from bot.matrix.session import _untraced_http


async def test_the_http_session_is_nios_without_request_tracing(tmp_path):
    config = AsyncClientConfig(request_timeout=42)
    client = AsyncClient("http://127.0.0.1:1", "@bot:test", store_path=str(tmp_path), config=config)
    try:
        _untraced_http(client)
        session = client.client_session
        assert session is not None and not session.trace_configs
        assert session.timeout.total == 42
        # nio's own connector tweak (a small write buffer) is kept.
        assert session.connector.connect.func.__name__ == "connect_wrapper"
        _untraced_http(client)  # once
        assert client.client_session is session
    finally:
        await client.close()


async def test_a_client_behind_a_proxy_keeps_nios_own_session(tmp_path):
    client = AsyncClient("http://127.0.0.1:1", "@bot:test", store_path=str(tmp_path))
    client.proxy = "socks5://127.0.0.1:1080"
    _untraced_http(client)
    assert client.client_session is None
    await client.close()
