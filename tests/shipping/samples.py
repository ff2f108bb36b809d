"""Label data for tests and the label benchmark: realistic German and European addresses,
numbers made without a database (serials given), every delivery kind."""

from __future__ import annotations

from dataclasses import replace

from portal.shipping import gs1
from portal.shipping.carriers import HouseCarrier
from portal.shipping.labels import Address, LabelData

CARRIER = HouseCarrier()
SENDER = Address("Retail OMS Lager Kassel", "Industriestraße 12", "34123", "Kassel", "DE")
RETURNS = Address("Retail OMS Retourenzentrum", "Am Güterbahnhof 3", "06112", "Halle (Saale)",
                  "DE")
CUSTOMERS = [
    Address("Jürgen Müller-Lüdenscheidt", "Hauptstraße 100a", "10115", "Berlin",
            extra="c/o Weißbier GmbH"),
    Address("Anna Schröder", "Königsallee 27", "40212", "Düsseldorf"),
    Address("Zoë Ťažký", "Mariahilfer Straße 77", "1060", "Wien", "AT"),
    Address("Jan Kowalski", "ul. Łódzka 5", "00-001", "Warszawa", "PL"),
    Address("Femke de Vries", "Prinsengracht 263", "1016 GV", "Amsterdam", "NL"),
]
LOCKER = Address("Packstation 123", "Bahnhofstraße 1", "80335", "München")
STORE = Address("Retail OMS Hamburg City", "Mönckebergstraße 7", "20095", "Hamburg")


def sample_label(i: int = 1, **changes) -> LabelData:
    """Label ``i`` (1, 2, ...): tracking number and SSCC from serial ``i``; every fifth a
    locker delivery, every seventh to a pickup store, every third a two-parcel shipment."""
    recipient = CUSTOMERS[i % len(CUSTOMERS)]
    number = CARRIER.tracking_number_for(i)
    quote = CARRIER.quote(recipient.country, "2.35")
    label = LabelData(
        sender=SENDER, recipient=recipient, order_number=f"OMS-2026-{i:06d}",
        tracking_number=number, tracking_url=CARRIER.tracking_url(number),
        weight_kg="2.35", service=quote.service, service_name=quote.service_name,
        sscc=gs1.build_sscc(i, prefix=gs1.DEFAULT_COMPANY_PREFIX),
        parcel_no=1, parcel_count=2 if i % 3 == 0 else 1)
    if recipient.country == "DE" and i % 5 == 0:
        label = replace(label, locker_id=f"{100 + i % 900}", locker_address=LOCKER)
    elif recipient.country == "DE" and i % 7 == 0:
        label = replace(label, pickup_store=STORE)
    return replace(label, **changes) if changes else label


def return_label(i: int = 1, **changes) -> LabelData:
    """The return label of customer ``i``: from the customer to the returns centre."""
    customer = CUSTOMERS[i % len(CUSTOMERS)]
    quote = CARRIER.quote(RETURNS.country, "2.35")
    return sample_label(i, sender=customer, recipient=RETURNS, is_return=True,
                        rma_number=f"RMA-2026-{i:06d}", service=quote.service,
                        service_name=quote.service_name, **changes)


def sample_labels(count: int, start: int = 1) -> list[LabelData]:
    return [sample_label(i) for i in range(start, start + count)]
