"""A short, human name for a device from its User-Agent header ("Firefox on Android")."""

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android "Linux".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def _first(user_agent: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for marker, name in table if marker in user_agent), None)


def device_name(user_agent: str) -> str:
    browser, system = _first(user_agent, _BROWSERS), _first(user_agent, _SYSTEMS)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
