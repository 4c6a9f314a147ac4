"""One replaced Rasa attribute: Rasa's own, ours in its place, and how to swap them.

    PATCHES = (Patch.replacing(Domain, "is_empty", _is_empty),)
    PATCHES[0].install()    # Domain.is_empty is now ours, named and documented as Rasa's
    PATCHES[0].remove()     # and Rasa's own again

Ours takes the metadata of Rasa's function (`functools.update_wrapper`: name, docstring,
`__wrapped__`), so tracebacks, `inspect` and other tools still see the function they know.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Patch:
    """A Rasa class attribute we replace; built with `Patch.replacing`, see above."""

    owner: type
    name: str
    # Rasa's class attribute as Rasa defines it (a function, or a staticmethod around one).
    original: Any
    # Ours, wrapped the same way; also the marker that tells the patch is in place.
    installed: Any
    # Our module that holds the replacement: what to re-check when Rasa's function changes.
    module: str
    # Work done once at install, not in the first customer's request.
    prepare: Callable[[], object] | None = None

    @classmethod
    def replacing(
        cls,
        owner: type,
        name: str,
        replacement: Callable[..., Any],
        prepare: Callable[[], object] | None = None,
    ) -> Patch:
        """`owner.name` (defined by `owner` itself, else KeyError) replaced by `replacement`."""
        original = owner.__dict__[name]
        module = replacement.__module__
        functools.update_wrapper(replacement, _function(original))
        installed = staticmethod(replacement) if isinstance(original, staticmethod) else replacement
        return cls(owner, name, original, installed, module, prepare)

    @property
    def rasa_function(self) -> Callable[..., Any]:
        """Rasa's own function, whose source the canary test pins."""
        return _function(self.original)

    @property
    def qualified_name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"

    def is_installed(self) -> bool:
        return self.owner.__dict__.get(self.name) is self.installed

    def install(self) -> None:
        if self.is_installed():
            return
        setattr(self.owner, self.name, self.installed)
        if self.prepare is not None:
            self.prepare()

    def remove(self) -> None:
        setattr(self.owner, self.name, self.original)


def _function(attribute: Any) -> Callable[..., Any]:
    function: Callable[..., Any] = (
        attribute.__func__ if isinstance(attribute, staticmethod) else attribute
    )
    return function
