import subprocess
import sys

import uvicorn
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket with uvicorn, with a background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Server processes.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a task worker (when `tertulia worker` runs elsewhere).",
        )

    def handle(self, *args, host, port, workers, no_worker, **options):
        worker = None
        if not no_worker:
            worker = subprocess.Popen(
                [sys.executable, "-m", "tertulia", "worker", "--no-reload", "--verbosity", "0"]
            )
        self.stdout.write(f"Tertulia is serving on http://{host}:{port}/ (Ctrl+C to stop)")
        try:
            uvicorn.run(
                "tertulia.config.asgi:application",
                host=host,
                port=port,
                workers=workers,
                lifespan="off",
                proxy_headers=False,
                log_level="info",
            )
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
