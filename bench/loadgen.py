"""An open-loop load generator: requests start at t0 + i / rate whatever the answers do.

Why our own and not wrk: wrk is closed-loop (each connection waits for its answer before the
next request, so a slow server slows the client and hides its queue), wrk2 is not packaged in
Debian, and logging in and posting forms with CSRF tokens is plain Python here. asyncio +
aiohttp keeps hundreds of requests in flight from one process at a few per cent of a core.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from bench.stats import LoadResult

REQUEST_TIMEOUT_S = 10.0  # open loop: an answer later than this counts as a timeout
# Closed loop: a request waits behind the others of its connections' batch (32 connections
# on a page that serves 3 a second wait about 10 s): only a stuck server should time out.
CAPACITY_TIMEOUT_S = 60.0
_HIDDEN = re.compile(r'<input[^>]*\bname="(?P<name>[^"]+)"[^>]*\bvalue="(?P<value>[^"]*)"')


@dataclass
class Walker:
    """A logged-in walker: their own cookie jar on a shared connection pool."""

    user_id: int
    email: str
    team_id: int
    units: str
    http: aiohttp.ClientSession
    csrf_token: str = ""
    extra: dict = field(default_factory=dict)  # what a scenario keeps per walker


def hidden_fields(html: str) -> dict[str, str]:
    """The `<input>` names and values of a page (hidden fields such as csrf_token)."""
    return {m["name"]: m["value"] for m in _HIDDEN.finditer(html)}


async def log_in(walker: Walker, password: str) -> None:
    """Log in through the real form; raises when the app says no."""
    async with walker.http.get("/login") as page:
        token = hidden_fields(await page.text())["csrf_token"]
    data = {"csrf_token": token, "email": walker.email, "password": password, "next": ""}
    async with walker.http.post("/login", data=data, allow_redirects=False) as answer:
        if answer.status != 303:
            raise RuntimeError(f"log-in of {walker.email} answered {answer.status}")


Send = Callable[[Walker, int], Awaitable[int]]  # (walker, request number) -> HTTP status


async def open_loop(
    name: str,
    walkers: list[Walker],
    send: Send,
    rate_rps: float,
    duration_s: float,
    ok: Callable[[int], bool] = lambda status: status == 200,
) -> LoadResult:
    """Offer `rate_rps` for `duration_s`; every request is timed from its scheduled start."""
    result = LoadResult(name, rate_rps, duration_s)
    total = int(rate_rps * duration_s)
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.05

    async def one(i: int, scheduled: float) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                status = await send(walkers[i % len(walkers)], i)
        except TimeoutError:
            result.errors["timeout"] += 1
            return
        except aiohttp.ClientError as exc:
            result.errors[type(exc).__name__] += 1
            return
        if ok(status):
            result.latencies_s.append(loop.time() - scheduled)
        else:
            result.errors[f"HTTP {status}"] += 1

    tasks = []
    for i in range(total):
        scheduled = t0 + i / rate_rps
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    result.elapsed_s = loop.time() - t0
    return result


async def closed_loop(
    name: str,
    walkers: list[Walker],
    send: Send,
    connections: int,
    duration_s: float,
    ok: Callable[[int], bool] = lambda status: status == 200,
) -> LoadResult:
    """Capacity: `connections` clients each send their next request as soon as the last one is
    answered, for `duration_s` (TechEmpower's way; latencies here include no queue wait)."""
    result = LoadResult(name, 0.0, duration_s)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    deadline = t0 + duration_s
    counter = iter(range(10**9))

    async def client() -> None:
        while loop.time() < deadline:
            i = next(counter)
            started = loop.time()
            try:
                async with asyncio.timeout(CAPACITY_TIMEOUT_S):
                    status = await send(walkers[i % len(walkers)], i)
            except TimeoutError:
                result.errors["timeout"] += 1
                continue
            except aiohttp.ClientError as exc:
                result.errors[type(exc).__name__] += 1
                continue
            if ok(status):
                result.latencies_s.append(loop.time() - started)
            else:
                result.errors[f"HTTP {status}"] += 1

    await asyncio.gather(*(client() for _ in range(connections)))
    result.elapsed_s = loop.time() - t0
    return result


def new_http(base_url: str, connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url=base_url,
        connector=connector,
        connector_owner=False,
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1 (an IP address)
        timeout=aiohttp.ClientTimeout(total=CAPACITY_TIMEOUT_S),  # each loop has its own
    )
