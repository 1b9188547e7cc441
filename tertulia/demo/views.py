from django.shortcuts import render
from django.views.decorators.http import require_GET

from tertulia.demo.account import DEMO_WORKSPACE
from tertulia.flows.models import Bot


@require_GET
def demo(request):
    """A pretend customer website with the demo bot embedded."""
    bot = Bot.objects.filter(workspace__name=DEMO_WORKSPACE).order_by("pk").first()
    return render(request, "demo/shop.html", {"bot": bot})
