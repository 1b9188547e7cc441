"""Failed deliveries: retried with backoff for a day, then given up on."""

import json
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tertulia.notifications.models import Channel, Delivery, DeliveryState
from tertulia.notifications.tasks import retry_delay

from .delivery import (
    DELIVER_TASK,
    assert_signed,
    notify,
    ready_deliver_tasks,
    run_worker,
    transactional,
    use_smtp,
    webhook_only,
)
from .servers import WebhookReceiver, closed_port


@transactional
def test_failed_webhook_is_retried_later_and_then_sent(bot, make_visitor):
    with WebhookReceiver(statuses=[500, 200]) as receiver:
        notify(
            visitor=make_visitor(name="Ana"), bot=bot, config=webhook_only(receiver.url("/hook"))
        )
        before = timezone.now()
        run_worker()

        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.PENDING
        assert delivery.attempts == 1
        assert delivery.response_code == 500
        assert delivery.error == "HTTP 500"
        first_task = DBTaskResult.objects.get(
            task_path=DELIVER_TASK, status=TaskResultStatus.SUCCESSFUL
        )
        assert first_task.return_value == "retry"
        (retry,) = ready_deliver_tasks()
        assert retry.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
        wait = timedelta(seconds=retry_delay(1))
        assert before + wait - timedelta(seconds=5) < retry.run_after
        assert retry.run_after < timezone.now() + wait + timedelta(seconds=5)

        # Not due yet: a worker run now leaves it alone.
        run_worker()
        assert len(receiver.requests) == 1
        assert Delivery.objects.get().attempts == 1

        DBTaskResult.objects.filter(pk=retry.pk).update(
            run_after=timezone.now() - timedelta(seconds=1)
        )
        run_worker()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.attempts == 2
    assert delivery.response_code == 200
    assert delivery.error == ""
    assert not ready_deliver_tasks().exists()

    first, second = receiver.requests
    # The same event again (same id, same body), freshly signed.
    assert first.body == second.body
    assert json.loads(second.body)["id"] == json.loads(first.body)["id"]
    for request in (first, second):
        assert_signed(request, bot.webhook_secret)


@transactional
def test_receiver_down_records_the_error_and_stays_pending(bot, make_visitor):
    notify(
        visitor=make_visitor(name="Ana"),
        bot=bot,
        config=webhook_only(f"http://127.0.0.1:{closed_port()}/hook"),
    )

    run_worker()

    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.response_code is None
    assert "refused" in delivery.error.lower()
    assert len(delivery.error) <= 300
    assert ready_deliver_tasks().count() == 1


@transactional
@pytest.mark.parametrize("channel", [Channel.WEBHOOK, Channel.EMAIL])
def test_delivery_older_than_a_day_fails_for_good(settings, owner, bot, make_visitor, channel):
    use_smtp(settings, closed_port())
    with WebhookReceiver(statuses=[503]) as receiver:
        notify(
            visitor=make_visitor(name="Ana"),
            bot=bot,
            config={
                "in_app": False,
                "email_to": "sales@example.com" if channel == Channel.EMAIL else "",
                "webhook_url": receiver.url("/hook") if channel == Channel.WEBHOOK else "",
            },
        )
        Delivery.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))

        run_worker()

    delivery = Delivery.objects.get()
    assert delivery.channel == channel
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert delivery.error
    if channel == Channel.WEBHOOK:
        assert len(receiver.requests) == 1
        assert (delivery.response_code, delivery.error) == (503, "HTTP 503")
    assert not ready_deliver_tasks().exists()
    task = DBTaskResult.objects.get(task_path=DELIVER_TASK)
    assert (task.status, task.return_value) == (TaskResultStatus.SUCCESSFUL, "failed")

    # A failed delivery is never sent again, even if its task were to run once more.
    DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.READY)
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)


@transactional
def test_delivery_within_the_day_is_still_retried(bot, make_visitor):
    with WebhookReceiver(statuses=[502]) as receiver:
        notify(
            visitor=make_visitor(name="Ana"), bot=bot, config=webhook_only(receiver.url("/hook"))
        )
        Delivery.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=50))
        run_worker()

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.response_code) == (DeliveryState.PENDING, 502)
    assert ready_deliver_tasks().count() == 1


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [
        (0, 30),
        (1, 30),
        (2, 60),
        (3, 120),
        (4, 240),
        (5, 480),
        (6, 960),
        (7, 1920),
        (8, 3600),
        (9, 3600),
        (30, 3600),
        (1000, 3600),
    ],
)
def test_retry_delay_doubles_from_30_seconds_up_to_an_hour(attempts, seconds):
    assert retry_delay(attempts) == seconds


def test_retries_keep_going_for_about_a_day():
    delays = [retry_delay(n) for n in range(1, 40)]
    assert delays == sorted(delays)
    # The waits alone reach a day after a few dozen attempts, not hundreds.
    total, attempts = 0, 0
    while total < timedelta(days=1).total_seconds():
        attempts += 1
        total += retry_delay(attempts)
    assert 25 < attempts < 35
