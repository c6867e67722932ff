"""Printing benchmarks: warm render times of the documents staff print at the desk. Prints JSON.

    python bench/printing.py [--runs 20]

Each figure is the median of ``--runs`` renders after 2 warm-up renders (fonts registered, styles
built). Targets (printing issue): privacy notice < 200 ms; consent receipt for a 4-person
household < 150 ms. The first (cold) render, which also loads the fonts, is reported separately.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from centre_desk.domain.documents import ConsentReceiptData, ReceiptConsent, ReceiptPerson, lawful_basis_text
from centre_desk.domain.organisation import Organisation
from centre_desk.formspec.forms import load_form
from centre_desk.formspec.profiles import load_profile
from centre_desk.printing.blank_form import render_blank_form
from centre_desk.printing.notice import load_notice_template, render_privacy_notice
from centre_desk.printing.receipt import render_consent_receipt

PROFILE = "north-somerset-children-centres"
CENTRE = "Hillside Children's Centre"
WARM_UPS = 2
TARGETS_MS = {"notice_ms": 200.0, "receipt_4_people_ms": 150.0}


def household_receipt(org: Organisation) -> ConsentReceiptData:
    """Four people, each with a decision on every consent-based purpose (one partner where needed)."""
    people = (ReceiptPerson("Zofia Wiśniewska", "Parent"), ReceiptPerson("Łukasz Wójcik", "Parent"),
              ReceiptPerson("Zoë Brontë", "Child"), ReceiptPerson("Ioana Rădulescu", "Carer"))
    at = datetime(2026, 11, 20, 12, 15, tzinfo=UTC)
    consents = tuple(
        ReceiptConsent(p.name, purpose.name, lawful_basis_text(purpose.basis),
                       org.partners[0].name if purpose.per_partner else None,
                       "given" if i % 2 == 0 else "refused", "signed", at, "Anna Smith", "2026.1")
        for i, p in enumerate(people)
        for purpose in org.purposes if purpose.needs_consent
    )
    return ConsentReceiptData(org.name, CENTRE, "HH-7Q2K", people, consents,
                              "Tell a member of staff, or email us. You do not have to give a reason.",
                              org.dpo.email or "", datetime(2026, 11, 21, 12, 0, tzinfo=UTC))


def timed(render: Callable[[], bytes], runs: int) -> tuple[float, int]:
    """(median milliseconds over ``runs`` after the warm-ups, size of the PDF in bytes)."""
    pdf = b""
    for _ in range(WARM_UPS):
        pdf = render()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    org = load_profile(PROFILE)
    template = load_notice_template(PROFILE)
    receipt = household_receipt(org)
    membership = load_form("membership")

    start = time.perf_counter()
    render_privacy_notice(org, CENTRE, template)
    cold_ms = (time.perf_counter() - start) * 1000

    cases: dict[str, Callable[[], bytes]] = {
        "notice_ms": lambda: render_privacy_notice(org, CENTRE, template),
        "notice_large_print_ms": lambda: render_privacy_notice(org, CENTRE, template, large_print=True),
        "receipt_4_people_ms": lambda: render_consent_receipt(org, receipt),
        "receipt_4_people_large_print_ms": lambda: render_consent_receipt(org, receipt, large_print=True),
        "blank_membership_form_ms": lambda: render_blank_form(membership, org, notice_version=template.version),
    }
    out: dict[str, object] = {"profile": PROFILE, "runs": args.runs, "warm_ups": WARM_UPS,
                              "cold_first_notice_ms": round(cold_ms, 1),
                              "receipt_consents": len(receipt.consents)}
    for name, render in cases.items():
        median, size = timed(render, args.runs)
        out[name] = round(median, 1)
        out[name.removesuffix("_ms") + "_bytes"] = size
    out["targets_ms"] = TARGETS_MS
    out["within_targets"] = all(float(str(out[k])) < v for k, v in TARGETS_MS.items())
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
