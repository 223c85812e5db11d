"""Every domain refusal shares one base, so a view shows any of them the same way."""

import importlib
import inspect
import pkgutil

import milequest.lib
import milequest.services
from milequest.refusals import Refused

# Not refusals: the hub's Redis is down; access checks answer 404 or 403 with no words; a push
# service did not take a message (retried) or dropped the device (Gone: the device is deleted).
NOT_REFUSALS = {"HubUnavailable", "NotFound", "Forbidden", "PushFailed", "Gone"}


def exceptions_defined_in_services() -> list[type[BaseException]]:
    found = []
    for package in (milequest.services, milequest.lib):
        found += exceptions_defined_in(package)
    return found


def exceptions_defined_in(package) -> list[type[BaseException]]:
    found = []
    for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(module_info.name)
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__
        ]
    return found


def test_every_exception_a_service_defines_is_a_refusal_or_listed_as_not_one():
    exceptions = exceptions_defined_in_services()

    assert len(exceptions) > 20
    assert {cls.__name__ for cls in exceptions if not issubclass(cls, Refused)} == NOT_REFUSALS
