"""`make i18n` step 2: merge the extracted template into each language's `.po`.

Unlike `pybabel update`, this never comments out ("obsoletes") an entry the extractor did
not see: keys built at run time or not yet marked with `N_` would lose their translations.
It only adds new keys with an empty msgstr (the catalog tests then fail until someone
translates them) and lists the keys it could not find in code. A file is rewritten only
when something was added, so running it twice changes nothing.

    python -m bot.i18n.sync locales/messages.pot [--locales locales]"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n.catalog import DOMAIN, LANGUAGES, LOCALES_DIR, locale_dir_name, po_path


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN)


def merge(template: Catalog, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Add template keys missing from `catalog` (untranslated). Returns (added, unused)."""
    wanted = [str(m.id) for m in template if m.id and isinstance(m.id, str)]
    have = {str(m.id) for m in catalog if m.id and isinstance(m.id, str)}
    added = [key for key in wanted if key not in have]
    for key in added:
        source = template[key]
        catalog.add(key, "", auto_comments=source.auto_comments if source else ())
    unused = sorted(have - set(wanted))
    return added, unused


def sync(pot: Path, root: Path = LOCALES_DIR, languages: Sequence[str] = LANGUAGES) -> int:
    template = _read(pot)
    for language in languages:
        path = po_path(language, root)
        if path.exists():
            catalog = _read(path, locale_dir_name(language))
        else:
            catalog = Catalog(locale=locale_dir_name(language), domain=DOMAIN, fuzzy=False)
            path.parent.mkdir(parents=True, exist_ok=True)
        added, unused = merge(template, catalog)
        if added or not path.exists():
            with path.open("wb") as f:
                write_po(f, catalog, width=76)
        print(f"{path}: {len(added)} added" + (f" ({', '.join(added)})" if added else ""))
        if unused:
            print(f"  not marked with N_ in code (kept): {', '.join(unused)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.i18n.sync", description=__doc__)
    parser.add_argument("pot", type=Path)
    parser.add_argument("--locales", type=Path, default=LOCALES_DIR)
    args = parser.parse_args(argv)
    return sync(args.pot, args.locales)


if __name__ == "__main__":
    sys.exit(main())
