"""Sections higher apps add to the customer profile (billing: bills, advance, Receive
Payment...). A lower app cannot import a higher one, so they register here in their
AppConfig.ready(); each section is a template and a function giving its context, or
None when the user may not see it."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    order: int
    template: str
    context: Callable  # (request, customer) -> dict | None


_sections: list[Section] = []


def register_section(*, template: str, context: Callable, order: int = 100) -> None:
    section = Section(order, template, context)
    if section not in _sections:
        _sections.append(section)


def sections_for(request, customer) -> list[tuple[str, dict]]:
    shown = []
    for section in sorted(_sections, key=lambda s: s.order):
        context = section.context(request, customer)
        if context is not None:
            shown.append((section.template, context))
    return shown
