"""Shipping (issue #7): carriers and their rules, tracking numbers, SSCCs, and parcel
labels as PDF (4x6 inch thermal, A4 with four) and ZPL."""
