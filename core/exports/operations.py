"""Making an export: the visible columns, the rows, the file, and an audit entry saying who took what."""
from dataclasses import dataclass

from flask import Response
from flask_babel import lazy_gettext as _l

from core import audit
from core.beneficiaries.errors import FormErrors
from core.exports import tables
from core.exports.listings import Labels, Listing, values
from core.i18n import locale_code
from core.workflow.deadlines import today

FORMATS = ("csv", "xlsx")


@dataclass
class Export:
    content: bytes
    filename: str
    content_type: str
    rows: int


def export(tenant, listing: Listing, rows, roles, fmt: str, filters: dict | None = None) -> Export:
    """The list as a file in `fmt`, with only the columns these roles may see; audited."""
    if fmt not in FORMATS:
        raise FormErrors({"format": str(_l("Choose one of the options."))})
    columns = listing.visible(roles)
    headers = [str(c.label) for c in columns]
    counted = _Counter(values(listing, columns, rows, Labels(tenant)))
    if fmt == "csv":
        content = tables.to_csv(headers, counted)
    else:
        content = tables.to_xlsx(headers, counted, str(listing.title), rtl=locale_code() == "ar")
    audit.record(f"export.{listing.name}", object_type="Export",
                 after={"format": fmt, "rows": counted.count, "filters": {k: v for k, v in (filters or {}).items()
                                                                          if v not in (None, "", False)},
                        "columns": [c.key for c in columns]})
    filename = f"{tenant.slug}-{listing.name}-{today().isoformat()}.{fmt}"
    return Export(content, filename, tables.CONTENT_TYPES[fmt], counted.count)


def response(result: Export) -> Response:
    return Response(result.content, mimetype=result.content_type.split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="{result.filename}"',
                             "Content-Type": result.content_type})


class _Counter:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row
