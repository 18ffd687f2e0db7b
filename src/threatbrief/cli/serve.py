# SPDX-License-Identifier: Apache-2.0
"""The `serve` command: the web workspace over the same store and pipeline."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .._net import is_loopback_host
from ..errors import UsageError
from ._common import State, handles_errors

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 lets the system choose one (printed at start).",
)
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="Listen off loopback without TLS, because a TLS proxy in front terminates it.",
)
@click.pass_obj
@handles_errors
def serve(
    state: State,
    host: str,
    port: int,
    certfile: Path | None,
    keyfile: Path | None,
    behind_proxy: bool,
) -> None:
    """Serve the web workspace (log in with an account from `threatbrief users add`).

    It binds to loopback by default; off loopback it needs TLS (--certfile and --keyfile) or
    an explicit --behind-proxy.

    \b
    Example:
        threatbrief serve
        threatbrief serve --host 0.0.0.0 --certfile cert.pem --keyfile key.pem
    """
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    from ..web import create_app

    if (certfile is None) != (keyfile is None):
        raise UsageError("give both --certfile and --keyfile, or neither")
    tls = certfile is not None and keyfile is not None
    if not is_loopback_host(host) and not tls and not behind_proxy:
        raise UsageError(
            f"{host} is not a loopback address: serve it with TLS (--certfile and --keyfile), "
            "or say --behind-proxy if a TLS proxy is in front"
        )
    state.config()  # a broken feeds.yaml is a clear error now, not on the first page
    app = create_app(
        state.config_path, state.db_path, secure_cookies=tls or behind_proxy, warm=True
    )
    server = wsgi.Server((host, port), app, numthreads=8, server_name="threatbrief")
    if tls:
        server.ssl_adapter = BuiltinSSLAdapter(str(certfile), str(keyfile))
    scheme = "https" if tls else "http"
    server.prepare()  # bound now: with --port 0, the port the system chose is the one printed
    bound_host, bound_port = server.bind_addr[:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    click.echo(
        f"threatbrief workspace on {scheme}://{shown}:{bound_port}/ (Ctrl-C to stop)", err=True
    )
    logging.getLogger(__name__).info("serving %s", state.db_path)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
