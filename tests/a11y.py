"""Accessibility checks on rendered HTML: the rules a page of the portal keeps so that
it works with a keyboard and a screen reader. ``problems(html, where)`` lists every
break of them as "where: <element> (line n): what is wrong", ready to fix."""

from __future__ import annotations

import re

from lxml import html as lxml_html

FORM_CONTROLS = ("input", "select", "textarea")
NAMELESS_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
INTERACTIVE = {"a", "button", "input", "select", "textarea", "summary", "form", "label",
               "option"}
HTMX_VERBS = ("hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete")
# The box around one field with its label, hint and error.
FIELD_CLASSES = {"field", "inline-field", "filter-group", "has-error"}
# hx-trigger values that are a click (or the element's default event, which for a
# non-form element is a click): such an element is an action a keyboard must reach.
CLICK_TRIGGER = re.compile(r"^\s*(click\b|$)")


def _hidden(element) -> bool:
    """Not in the accessibility tree: [hidden], aria-hidden, <template>, or inside one."""
    for node in (element, *element.iterancestors()):
        if node.get("hidden") is not None or node.get("aria-hidden") == "true" \
                or node.tag == "template":
            return True
    return False


def _text(element) -> str:
    """The text a screen reader reads for ``element``: visible and visually-hidden text
    and image alternatives, without aria-hidden or hidden parts."""
    if not isinstance(element.tag, str) or element.tag in ("script", "style", "template"):
        return ""
    if element.get("aria-hidden") == "true" or element.get("hidden") is not None:
        return ""
    parts = [element.text or ""]
    if element.tag == "img":
        parts.append(element.get("alt") or "")
    for child in element:
        parts.append(_text(child))
        parts.append(child.tail or "")
    return " ".join(" ".join(parts).split())


def _labelledby(element, by_id: dict) -> str:
    ids = (element.get("aria-labelledby") or "").split()
    return " ".join(_text(by_id[i]) for i in ids if i in by_id).strip()


def describe(element) -> str:
    """``<input name="q" id="q">`` (line 12), short enough to find the element."""
    attrs = [f'{key}="{element.get(key)}"' for key in ("type", "id", "name", "class", "href")
             if element.get(key) is not None]
    text = "" if element.tag in ("html", "body") else _text(element)[:40]
    shown = f"<{element.tag}{' ' if attrs else ''}{' '.join(attrs)}>"
    return f"{shown}{text + '…' if text else ''} (line {element.sourceline})"


def control_name(element, labels: dict, by_id: dict) -> str:
    """The accessible name of a form control (aria-labelledby, aria-label, label)."""
    named = _labelledby(element, by_id) or (element.get("aria-label") or "").strip()
    if named:
        return named
    own_id = element.get("id")
    if own_id and labels.get(own_id):
        return labels[own_id]
    wrapping = next((a for a in element.iterancestors() if a.tag == "label"), None)
    return _text(wrapping) if wrapping is not None else ""


def action_name(element, by_id: dict) -> str:
    """The accessible name of a link or button (contents, aria-label, title)."""
    if element.tag == "input":
        if element.get("type") == "image":
            return (element.get("alt") or "").strip()
        return (element.get("value") or "").strip()
    return (_labelledby(element, by_id) or (element.get("aria-label") or "").strip()
            or _text(element) or (element.get("title") or "").strip())


def _check_document(root, report) -> None:
    html_tag = root if root.tag == "html" else root.find(".//html")
    if html_tag is None or not (html_tag.get("lang") or "").strip():
        report(root, "<html> has no lang")
    headings = root.findall(".//h1")
    if len(headings) != 1:
        report(root, f"has {len(headings)} <h1> instead of exactly one")
    title = root.find(".//title")
    if title is None or not (title.text or "").strip():
        report(root, "has no <title>")


def _check_ids(root, report) -> dict:
    by_id: dict = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element_id = element.get("id")
        if element_id is None:
            continue
        if element_id in by_id:
            report(element, f'id "{element_id}" is used twice')
        else:
            by_id[element_id] = element
    for attribute in ("aria-labelledby", "aria-describedby", "aria-controls"):
        for element in root.iterfind(f".//*[@{attribute}]"):
            for ref in element.get(attribute).split():
                if ref not in by_id:
                    report(element, f'{attribute} points at the missing id "{ref}"')
    return by_id


def _check_controls(root, by_id: dict, report) -> None:
    labels: dict = {}
    for label in root.iter("label"):
        target = label.get("for")
        if target:
            if target not in by_id:
                report(label, f'label for the missing id "{target}"')
            labels[target] = (labels.get(target, "") + " " + _text(label)).strip()
    for element in root.iter(*FORM_CONTROLS):
        kind = (element.get("type") or "text").lower()
        if element.tag == "input" and kind in NAMELESS_INPUT_TYPES or _hidden(element):
            continue
        if not control_name(element, labels, by_id):
            report(element, "form field without a label (label for, wrapping label, "
                            "aria-label or aria-labelledby)")
        described = element.get("aria-describedby") or any(
            a.get("aria-describedby") for a in element.iterancestors("fieldset"))
        if element.get("aria-invalid") == "true" and not described:
            report(element, "invalid field whose error message is not tied to it "
                            "(aria-describedby)")


def _check_actions(root, by_id: dict, report) -> None:
    actions = [*root.iterfind(".//a[@href]"), *root.iter("button"),
               *(i for i in root.iter("input") if (i.get("type") or "").lower()
                 in BUTTON_INPUT_TYPES | {"image"})]
    for element in actions:
        if not _hidden(element) and not action_name(element, by_id):
            report(element, "link or button without an accessible name")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        verbs = [v for v in HTMX_VERBS if element.get(v) is not None]
        clicked = verbs and CLICK_TRIGGER.match(element.get("hx-trigger") or "")
        reachable = element.tag in INTERACTIVE and (element.tag != "a" or element.get("href"))
        if clicked and not reachable and element.get("tabindex") is None:
            report(element, "htmx action on an element a keyboard cannot reach "
                            "(use a link or a button)")
        tabindex = element.get("tabindex")
        if tabindex and tabindex.lstrip("-").isdigit() and int(tabindex) > 0:
            report(element, "positive tabindex changes the tab order")


def _check_content(root, report) -> None:
    for element in root.iterfind(".//*[@aria-sort]"):
        if element.tag != "th" and element.get("role") not in ("columnheader", "rowheader"):
            report(element, "aria-sort belongs on the column header (<th>)")
    for image in root.iter("img"):
        if image.get("alt") is None:
            report(image, "image without alt")
    for table in root.iter("table"):
        if table.get("role") != "presentation" and table.find(".//th") is None:
            report(table, "table without header cells (<th>)")
    for note in root.iterfind(".//*[@class]"):
        kind = {"error", "hint"} & set(note.get("class").split())
        if not kind or note.tag not in ("small", "span", "p"):
            continue
        group = next((a for a in note.iterancestors() if a.tag in ("fieldset", "td")
                      or FIELD_CLASSES & set((a.get("class") or "").split())), None)
        if group is None:
            continue
        controls = [c for c in group.iter(*FORM_CONTROLS)
                    if (c.get("type") or "").lower() not in NAMELESS_INPUT_TYPES]
        note_id = note.get("id")
        tied = note_id and any(note_id in (c.get("aria-describedby") or "").split()
                               for c in [group, *controls])
        if controls and not tied:
            report(note, f"field {kind.pop()} not tied to its field (give it an id that the "
                         "field names in aria-describedby)")


def problems(markup: str, where: str, fragment: bool = False) -> list[str]:
    """Every accessibility problem of a page (or, with ``fragment``, an htmx partial)."""
    found: list[str] = []

    def report(element, what: str) -> None:
        found.append(f"{where}: {describe(element)}: {what}")

    if fragment:
        root = lxml_html.fragment_fromstring(markup or "<div></div>", create_parent="div")
    else:
        root = lxml_html.document_fromstring(markup)
        _check_document(root, report)
    by_id = _check_ids(root, report)
    _check_controls(root, by_id, report)
    _check_actions(root, by_id, report)
    _check_content(root, report)
    return found
