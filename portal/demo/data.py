"""The demo retailer: stores in German cities, warehouses, a marketplace, suppliers,
and the ingredients of a believable product range."""

from __future__ import annotations

# code, name, street, postcode, city, latitude, longitude, employee e-mail
STORES = [
    ("BER", "Berlin Alexanderplatz", "Alexanderplatz 9", "10178", "Berlin", 52.5219, 13.4132, "berlin"),
    ("HAM", "Hamburg Mönckebergstraße", "Mönckebergstraße 16", "20095", "Hamburg", 53.5502, 10.0012, "hamburg"),
    ("MUC", "München Kaufingerstraße", "Kaufingerstraße 28", "80331", "München", 48.1374, 11.5720, "muenchen"),
    ("CGN", "Köln Schildergasse", "Schildergasse 65", "50667", "Köln", 50.9361, 6.9531, "koeln"),
    ("FRA", "Frankfurt Zeil", "Zeil 90", "60313", "Frankfurt am Main", 50.1149, 8.6838, "frankfurt"),
    ("STR", "Stuttgart Königstraße", "Königstraße 27", "70173", "Stuttgart", 48.7784, 9.1769, "stuttgart"),
    ("DUS", "Düsseldorf Schadowstraße", "Schadowstraße 11", "40212", "Düsseldorf", 51.2263, 6.7823, "duesseldorf"),
    ("LEJ", "Leipzig Petersstraße", "Petersstraße 20", "04109", "Leipzig", 51.3386, 12.3746, "leipzig"),
    ("DRS", "Dresden Prager Straße", "Prager Straße 12", "01069", "Dresden", 51.0455, 13.7372, "dresden"),
    ("HAJ", "Hannover Georgstraße", "Georgstraße 36", "30159", "Hannover", 52.3740, 9.7380, "hannover"),
    ("NUE", "Nürnberg Breite Gasse", "Breite Gasse 45", "90402", "Nürnberg", 49.4508, 11.0735, "nuernberg"),
    ("BRE", "Bremen Obernstraße", "Obernstraße 39", "28195", "Bremen", 53.0770, 8.8063, "bremen"),
]

# code, name, kind, street, postcode, city, country, lat, lon, capacity
OTHER_LOCATIONS = [
    ("WH-KS", "Zentrallager Kassel", "warehouse", "Sandershäuser Straße 34", "34123", "Kassel",
     "DE", 51.3127, 9.5244, 4000),
    ("WH-HAL", "Logistikzentrum Halle", "warehouse", "Am Saalehafen 4", "06112", "Halle (Saale)",
     "DE", 51.4826, 11.9851, 2500),
    ("MKT", "Online-Marktplatz (Fulfilment)", "marketplace", "Marktplatzallee 1", "10557",
     "Berlin", "DE", 52.5250, 13.3690, None),
    ("SUP-BI", "Lieferant Nordwest Textil, Bielefeld", "supplier", "Eckendorfer Straße 60",
     "33609", "Bielefeld", "DE", 52.0302, 8.5325, 800),
    ("SUP-NL", "Supplier Van Dijk Sport B.V., Venlo", "supplier", "Celsiusweg 20", "5928 PR",
     "Venlo", "NL", 51.3704, 6.1724, 600),
]

# The suppliers behind the supplier locations: code, name, contact, e-mail, phone,
# lead time (days), countries served, drop-ship, warehouse location, notes
SUPPLIERS = [
    ("NORDWEST", "Nordwest Textil GmbH", "Sabine Krüger", "s.krueger@nordwest-textil.example.com",
     "+49 521 557 3410", 4, ("DE", "AT"), False, "SUP-BI",
     "Orders until 12:00 leave the same day; pallets to Kassel on Tuesdays and Thursdays."),
    ("VANDIJK", "Van Dijk Sport B.V.", "Joris van Dijk", "orders@vandijk-sport.example.nl",
     "+31 77 320 4580", 2, ("NL", "BE", "DE", "LU", "FR"), True, "SUP-NL",
     "Drop-ships to end customers in our name; returns go to our stores or Kassel."),
]

# category, SKU prefix, price range (EUR), weight range (g), name parts
CATEGORIES = [
    ("Sneaker", "SNK", (49, 179), (600, 1400), ["Runner", "Court", "Street", "Trail", "Retro"]),
    ("Laufschuhe", "RUN", (79, 219), (450, 900), ["Pace", "Glide", "Tempo", "Cloud", "Race"]),
    ("Jacken", "JKT", (69, 349), (500, 1800), ["Regenjacke", "Daunenjacke", "Softshell",
                                                 "Fleecejacke", "Windbreaker"]),
    ("T-Shirts", "TSH", (12, 45), (150, 300), ["Basic Tee", "Funktionsshirt", "Print Tee",
                                                "Longsleeve", "Polo"]),
    ("Hosen", "PNT", (29, 129), (300, 900), ["Jeans Slim", "Chino", "Jogginghose",
                                              "Wanderhose", "Shorts"]),
    ("Rucksäcke", "BAG", (29, 189), (400, 1600), ["Daypack", "Trekkingrucksack", "City Pack",
                                                   "Laptoprucksack", "Turnbeutel"]),
    ("Kopfhörer", "AUD", (19, 349), (120, 400), ["In-Ear", "Over-Ear ANC", "Sport Buds",
                                                  "On-Ear", "Studio"]),
    ("Fitness", "FIT", (9, 249), (200, 12000), ["Kurzhantel", "Yogamatte", "Springseil",
                                                 "Widerstandsband", "Kettlebell"]),
    ("Outdoor", "OUT", (15, 399), (300, 4500), ["Zelt 2P", "Schlafsack", "Stirnlampe",
                                                 "Trinkflasche", "Isomatte"]),
    ("Küche", "KIT", (9, 199), (200, 3500), ["Pfanne", "Messerset", "Wasserkocher",
                                              "Schneidebrett", "Espressokanne"]),
]

BRANDS = ["Nordkap", "Alpenwerk", "Urbanfit", "Hanse Outdoor", "Rheinform", "Elbtal",
          "Vento", "Lumen", "Kraftwerk Sports", "Bergfalke", "Spreegold", "Isarwerk"]

COLOURS = ["schwarz", "weiß", "navy", "oliv", "grau", "rot", "sand", "petrol"]

STAFF = [
    ("admin@example.com", "Ada Admin", "admin"),
    ("manager@example.com", "Mara Manager", "manager"),
    ("logistics@example.com", "Lars Logistik", "logistics"),
]

DEMO_PASSWORD = "oms-demo"  # noqa: S105 - documented demo credential, demo mode only


# The demo retailer's sourcing rules (published as version 1), in the editor's terms.
SOURCING_RULES = [
    {"name": "Click & Collect: the pickup store itself",
     "condition": {"delivery_methods": ["click_collect"]},
     "pool": {"kinds": ["store"], "radius_km": 0}, "ordering": ["distance"],
     "limits": {"max_fulfilments": 1}},
    {"name": "Click & Collect: a nearby store or the warehouse",
     "condition": {"delivery_methods": ["click_collect"]},
     "pool": {"kinds": ["store", "warehouse"], "radius_km": 300},
     "ordering": ["distance", "stock"], "limits": {"max_fulfilments": 2}},
    {"name": "High-demand articles from the warehouses",
     "condition": {"channels": ["web", "marketplace"], "tags": ["high-demand"]},
     "pool": {"kinds": ["warehouse"]}, "ordering": ["capacity", "distance"],
     "limits": {"max_fulfilments": 2, "allow_partial": True}},
    {"name": "International orders from a supplier",
     "condition": {"exclude_countries": ["DE"]},
     "pool": {"suppliers_serving_country": True}, "ordering": ["distance"],
     "limits": {"max_fulfilments": 1, "allow_dropship": True}},
    {"name": "Nearest, fewest parcels",
     "pool": {"kinds": ["store", "warehouse", "marketplace"]},
     "ordering": ["distance", "cost", "priority"],
     "limits": {"max_fulfilments": 3, "allow_partial": True}},
    {"name": "Supplier drop-ship as the last resort",
     "pool": {"suppliers_serving_country": True}, "ordering": ["distance"],
     "limits": {"max_fulfilments": 1, "allow_dropship": True}},
]

# Parcel lockers the web shop may send orders to: (code, name, street, postcode, city,
# the store it stands at or None).
LOCKERS = [
    ("PL-BER-01", "Paketstation Alexanderplatz", "Alexanderplatz 9", "10178", "Berlin", "BER"),
    ("PL-HAM-01", "Paketstation Mönckebergstraße", "Mönckebergstraße 16", "20095", "Hamburg",
     "HAM"),
    ("PL-MUC-01", "Paketstation Kaufingerstraße", "Kaufingerstraße 28", "80331", "München",
     "MUC"),
    ("PL-CGN-01", "Paketstation Hohe Straße", "Hohe Straße 52", "50667", "Köln", "CGN"),
    ("PL-BER-17", "Paketstation Ostbahnhof", "Koppenstraße 3", "10243", "Berlin", None),
    ("PL-FRA-05", "Paketstation Hauptbahnhof", "Am Hauptbahnhof 1", "60329", "Frankfurt am Main",
     None),
]
