"""Beat's scheduler, which also marks each loop in Redis: no recent mark means no beat."""

import logging
import time

import redis
from celery.beat import PersistentScheduler

from milequest.services.operations import system_state

log = logging.getLogger(__name__)


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler; each tick (at most `beat_max_loop_interval` apart) leaves a mark."""

    def setup_schedule(self) -> None:
        super().setup_schedule()
        self._redis = redis.Redis.from_url(
            self.app.conf.broker_url, socket_timeout=2, socket_connect_timeout=2
        )

    def tick(self, *args, **kwargs) -> float:
        interval = super().tick(*args, **kwargs)
        try:
            system_state.record_beat_heartbeat(self._redis, time.time())
        except redis.RedisError as error:  # beat goes on; the missing mark raises the alert
            log.warning("Could not record beat's heartbeat: %s", error)
        return interval
