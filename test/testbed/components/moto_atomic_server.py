"""moto's server with DynamoDB requests taken one at a time.

Real DynamoDB evaluates a condition expression and applies the write as one step. moto's server
answers on many threads and its DynamoDB backend holds no lock, so two conditional writes that
arrive together can both pass their condition (two holders of one lease, with the same fencing
token). Here every DynamoDB request runs under one lock, which gives back the atomicity the product
relies on. Other services (SQS long polls above all) keep running concurrently.

Usage: python moto_atomic_server.py HOST PORT
"""

import os
import signal
import sys
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    # As moto_server does: moto builds some of its answers' URLs from this.
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    backend = DomainDispatcherApplication(create_backend_app)
    backend.debug = True
    dynamodb = threading.Lock()

    def app(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with dynamodb:
                # The whole answer is produced under the lock, not only the call that starts it.
                return list(backend(environ, start_response))
        return backend(environ, start_response)

    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
