"""Request parsers of the API."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# JSON nested deeper than this is refused: no document of the API nests more than a few levels,
# and Python's decoder (and any recursive walk after it) would otherwise hit the interpreter's
# recursion limit and answer 500.
DEFAULT_MAX_JSON_DEPTH = 32


def check_json_value(value, *, max_depth: int) -> None:
    """Refuse a parsed JSON value nested deeper than `max_depth` or holding a NUL character
    anywhere (keys included). Iterative, so that no input can exhaust the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ParseError(_("Text may not contain NUL characters."))
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise ParseError(
                    _("JSON may be nested at most %(depth)d levels deep.") % {"depth": max_depth}
                )
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


class JSONParser(parsers.JSONParser):
    """JSON that the product can handle: PostgreSQL text cannot hold NUL characters (a NUL
    reaching a query would fail there instead of as bad input), and a document nested
    hundreds of levels deep would exhaust the decoder's recursion."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - the document is nested too deeply.")) from exc
        check_json_value(
            data, max_depth=getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH)
        )
        return data
