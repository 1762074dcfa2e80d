"""Mercado Pago's paginated search answers, walked with a bounded loop."""

PAGE_SIZE = 50
MAX_PAGES = 40  # 2000 results: far beyond one shop's stores or one order's payments


def results_of(body):
    """The list inside ``{"paging", "results"}``, ``{"elements"}`` or ``{"data"}``."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("results", "elements", "data"):
            if isinstance(body.get(key), list):
                return body[key]
    return []


def _total(body):
    if not isinstance(body, dict):
        return None
    paging = body.get("paging")
    total = paging.get("total") if isinstance(paging, dict) else body.get("total")
    try:
        return int(total)
    except (TypeError, ValueError):
        return None


def paginate(session, path, params):
    found = []
    offset = 0
    for _page in range(MAX_PAGES):
        page = dict(params, limit=PAGE_SIZE, offset=offset)
        body = session.request("GET", path, params=page)
        results = results_of(body)
        found.extend(item for item in results if isinstance(item, dict))
        offset += len(results)
        total = _total(body)
        if not results or total is None or offset >= total:
            break
    return found
