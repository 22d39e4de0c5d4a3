"""What a laid-out PDF shows, page by page (see the ``product_pdf_layouts`` fixture)."""


def page_texts(document) -> list[str]:
    """The text of each page of a WeasyPrint document, its boxes' text joined by spaces."""

    def walk(box) -> str:
        text = getattr(box, "text", None) or ""
        return text + " " + " ".join(walk(c) for c in getattr(box, "children", None) or [])

    return [walk(page._page_box) for page in document.pages]
