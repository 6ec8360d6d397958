"""Counts the public API of the installed ``tradepay`` package and fails on any entry that
has no docstring: every class, method, property and attribute pdoc will show.

Run by ``cargo xtask docs``. A name is public when it is listed in ``tradepay.__all__`` (or
is a public member of such a class) and does not start with an underscore.
"""

from __future__ import annotations

import enum
import inspect
import sys

import pdoc.doc

import tradepay
import tradepay.webhooks


def doc_of(obj: object) -> str:
    return (inspect.getdoc(obj) or "").strip()


def members(cls: type) -> list[tuple[str, object]]:
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        out.append((name, value))
    return out


def main() -> int:
    missing: list[str] = []
    counted = 0
    modules = [("tradepay", tradepay), ("tradepay.webhooks", tradepay.webhooks)]
    for mod_name, module in modules:
        # A type alias carries no __doc__ of its own; pdoc shows the string literal that
        # follows its assignment, so that is what counts for it.
        shown = pdoc.doc.Module(module)
        names = getattr(module, "__all__", None) or [
            n for n in vars(module) if not n.startswith("_") and callable(getattr(module, n))
        ]
        for name in names:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or callable(obj)):
                continue
            counted += 1
            member_doc = shown.get(name)
            if not (doc_of(obj) or (member_doc is not None and member_doc.docstring.strip())):
                missing.append(f"{mod_name}.{name}")
            if not inspect.isclass(obj):
                continue
            is_enum = issubclass(obj, enum.Enum)
            for member, value in members(obj):
                if is_enum and isinstance(value, obj):
                    continue  # enum values document themselves by their name
                counted += 1
                # An inherited docstring counts (str methods on str-enums, Exception members).
                if not (doc_of(value) or doc_of(getattr(obj, member, None))):
                    missing.append(f"{mod_name}.{name}.{member}")
    print(f"docstrings: {counted - len(missing)} of {counted} public entries documented")
    for m in missing:
        print(f"  no docstring: {m}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
