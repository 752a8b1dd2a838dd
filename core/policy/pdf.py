"""The printable policy: WeasyPrint (Pango shapes the Arabic and lays it out right to left).

A first page costs WeasyPrint about a second, so documents are kept by the hash of their HTML: a
version's PDF is made once per process, not once per visitor.
"""
import hashlib
import logging
import threading
from collections import OrderedDict

from flask import Response

from core.config import ROOT

_CACHE: OrderedDict[str, bytes] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


def _no_fetching(url: str, *args, **kwargs):
    """The document is self-contained: nothing in it may make the server fetch a URL or read a file."""
    raise ValueError(f"the policy PDF does not load external resources ({url})")


def to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (its styles inline; fonts come from the system).

    Numbers and left-to-right isolates get the Unicode bidi controls WeasyPrint needs (it does not
    apply CSS unicode-bidi), so `24-45-8` prints as written inside Arabic text.
    """
    from core.policy.rendering import isolate_numbers

    html = str(isolate_numbers(html, print_controls=True))
    key = hashlib.sha256(html.encode()).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    from weasyprint import HTML  # imported late: it takes a while and only this needs it

    # WeasyPrint logs every CSS property it does not support; the document's CSS is ours and known.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=str(ROOT), url_fetcher=_no_fetching).write_pdf()
    with _LOCK:
        _CACHE[key] = document
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return document


def response(html: str, filename: str) -> Response:
    """The PDF of `html`, shown in the browser (and saved under `filename`)."""
    return Response(to_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
