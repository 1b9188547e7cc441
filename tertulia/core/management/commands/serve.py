import uvicorn
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket with uvicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Server processes.")

    def handle(self, *args, host, port, workers, **options):
        self.stdout.write(f"Tertulia is serving on http://{host}:{port}/ (Ctrl+C to stop)")
        uvicorn.run(
            "tertulia.config.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="off",
            proxy_headers=False,
            log_level="info",
        )
