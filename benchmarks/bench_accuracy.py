"""Detection measured the way the field does: presidio-evaluator's generator,
rendered as Intercom HTML bodies and as structlog events, in one run.

    python benchmarks/bench_accuracy.py                # print the tables (a few minutes)
    python benchmarks/bench_accuracy.py --write        # and put them in benchmarks/RESULTS.md
    python benchmarks/bench_accuracy.py --samples 3000 # a larger sample
    python benchmarks/bench_accuracy.py --seeds 3,4    # samples nobody has read (held out)

Samples come from presidio-evaluator's own ``PresidioSentenceFaker`` (its
templates and its fake-person table; every provider but the hospital one,
which would fetch a list from WikiData), for each of several locales and
seeds.  Its entity names are mapped to ours (``GPE`` -> ``LOCATION``,
``date_of_birth`` -> ``DATE_OF_BIRTH``, ``postcode``/``zipcode`` ->
``POSTCODE``; the rest as the generator names them); values the generator
leaves empty (``nan``) are not labels.  The same ``--samples`` give the same
samples (only its ``date_time`` values, which are not scored, follow the clock).  Offsets are carried through rendering,
so every planted value has exact spans:

* **bodies**: three samples per Intercom HTML conversation body (``<p>``,
  ``<br>`` for line breaks, escaped text) plus a footer of look-alikes that
  must not be flagged (an Intercom id, a conversation number, an ISO
  timestamp).  Scored per labeled type with ``bench_scanner.evaluate``: a
  value is found when all its letters and digits lie in findings; a finding
  is correct when it overlaps a labeled value (of any type the generator
  labels, organisations and titles included).
  Contenders: ours in pattern mode (``Scanner()``), ours in NER mode
  (``Scanner(ner_model=MODEL)``), plain Presidio (``AnalyzerEngine`` with the
  same spaCy model, raw HTML, the types it shares with us).
* **log events**: each sample is a structlog-style event (the text as the
  event message or as a conversation part's body) whose contact also holds
  every planted value under a typical key (``name``, ``full_name``,
  ``email``, ``phone``, ``mobile``, ``card_number``, ``iban``,
  ``ip_address``, ``ssn``, ``address``, ``billing_address``, ``city``,
  ``postal_code``, ``date_of_birth``, ``dob``, ... : see ``KEYS``), next to
  ids, timestamps and event names (a numeric ``conversation_id``, as
  Intercom's are).  Each goes through ``Redactor().redact`` (and
  the NER-mode redactor); a planted value *survives* when its text is still in
  the redacted message or under its key; a non-personal value is *preserved*
  when it comes out unchanged.

Evaluation data never feeds detection: nothing here is read by the library.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import html
import io
import logging
import os
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # the plain analyzer stays offline
os.environ.setdefault("TQDM_DISABLE", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scanner import MODEL, SHARED, _pct, evaluate, plain_analyzer, write
from intercom_redact import Redactor, Scanner
from scanner_corpus import Body

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL")
SEEDS = (1, 2)
TYPES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "PERSON",
         "STREET_ADDRESS", "POSTCODE", "LOCATION", "DATE_OF_BIRTH", "US_DRIVER_LICENSE")
# The targets' basis: a city or country alone (LOCATION) identifies nobody.
PERSONAL = tuple(t for t in TYPES if t != "LOCATION")
# presidio-evaluator's template names whose label differs from ours; the rest keep the generator's.
RENAMED = {"date_of_birth": "DATE_OF_BIRTH", "postcode": "POSTCODE", "zipcode": "POSTCODE",
           "city": "LOCATION", "country": "LOCATION", "state": "LOCATION", "state_abbr": "LOCATION"}
# Typical keys for each type, in order: the n-th value of a type in a sample goes under the n-th key.
KEYS = {"PERSON": ("name", "full_name", "customer_name", "first_name", "last_name"),
        "EMAIL_ADDRESS": ("email", "email_address", "contact_email"),
        "PHONE_NUMBER": ("phone", "phone_number", "mobile"),
        "CREDIT_CARD": ("card_number", "credit_card", "card"), "IBAN_CODE": ("iban", "bank_account"),
        "IP_ADDRESS": ("ip_address", "last_seen_ip", "ip"), "US_SSN": ("ssn", "social_security_number"),
        "STREET_ADDRESS": ("address", "street_address", "billing_address", "address_line_2", "shipping_address"),
        "LOCATION": ("city", "country", "region", "state"), "POSTCODE": ("postal_code", "zip_code", "postcode"),
        "DATE_OF_BIRTH": ("date_of_birth", "dob", "birthday"),
        "US_DRIVER_LICENSE": ("driver_license", "drivers_license")}
TOPICS = ("conversation.user.replied", "conversation.user.created", "contact.user.updated",
          "conversation.admin.noted", "ticket.created")
SAFE = "SAFE"

Span = tuple[int, int, str]
Path_ = tuple[str, ...]


@dataclass
class Sample:
    """One generated sentence and its labels ``(start, end, type)`` into ``text``."""

    text: str
    locale: str
    spans: list[Span]


# -- generation ---------------------------------------------------------------------------------

def samples(total: int, locales: tuple[str, ...] = LOCALES, seeds: tuple[int, ...] = SEEDS) -> list[Sample]:
    """``total`` samples spread over ``locales`` x ``seeds``, the same for the same arguments."""
    from presidio_evaluator.data_generator import PresidioSentenceFaker
    from presidio_evaluator.data_generator.faker_extensions import HospitalProvider
    from presidio_evaluator.data_generator.presidio_sentence_faker import (
        presidio_additional_entity_providers,
    )

    providers = [p for p in presidio_additional_entity_providers if p is not HospitalProvider]
    mapping = {**PresidioSentenceFaker.ENTITY_TYPE_MAPPING, **RENAMED}
    per = -(-total // (len(locales) * len(seeds)))
    out: list[Sample] = []
    for index, locale in enumerate(locales):
        # Seeded before it is built too: building the fake-person table draws from `random`.
        PresidioSentenceFaker.seed(index)
        with contextlib.redirect_stdout(io.StringIO()):  # its progress notes
            faker = PresidioSentenceFaker(locale, lower_case_ratio=0.05, entity_providers=providers,
                                          entity_type_mapping=mapping, random_seed=index)
        for seed in seeds:
            PresidioSentenceFaker.seed(seed * 100 + index)  # one seed per locale and seed: no repeated draws
            for result in faker.generate_new_fake_sentences(per):
                spans = [(s.start_position, s.end_position, s.entity_type) for s in result.spans
                         if result.full_text[s.start_position:s.end_position].strip().lower() != "nan"]
                out.append(Sample(result.full_text, locale, sorted(spans)))
    return out[:total]


# -- rendering: HTML bodies ---------------------------------------------------------------------

class _Markup:
    """Appends markup and escaped text, keeping the spans of labeled pieces."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[Span] = []

    def raw(self, markup: str) -> None:
        self.parts.append(markup)
        self.length += len(markup)

    def text(self, text: str, label: str | None = None) -> None:
        start = self.length
        lines = text.split("\n")
        for i, line in enumerate(lines):
            self.raw(html.escape(line, quote=False))
            if i < len(lines) - 1:
                self.raw("<br>")
        if label is not None:
            self.spans.append((start, self.length, label))

    def sample(self, sample: Sample) -> None:
        at = 0
        for start, end, label in sample.spans:
            if start < at:  # overlapping labels: the first one stands
                continue
            self.text(sample.text[at:start])
            self.text(sample.text[start:end], label)
            at = end
        self.text(sample.text[at:])


def bodies(items: list[Sample], rng: random.Random, per_body: int = 3) -> list[Body]:
    out = []
    for i in range(0, len(items), per_body):
        group = items[i:i + per_body]
        m = _Markup()
        m.raw("<p>")
        m.text(rng.choice(("Hi there,", "Hello team,", "Hi,")))
        m.raw("</p>")
        for sample in group:
            m.raw("<p>")
            m.sample(sample)
            m.raw("</p>")
        m.raw("<p>")
        m.text("Ref ")
        m.text(f"{rng.getrandbits(96):024x}", SAFE)
        m.text(", conversation ")
        m.text(str(rng.randrange(10**9, 10**10)), SAFE)
        m.text(", opened ")
        m.text(f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:14:09Z", SAFE)
        m.raw("</p>")
        out.append(Body("".join(m.parts), group[0].locale, m.spans))
    return out


# -- rendering: log events ----------------------------------------------------------------------

@dataclass
class LogEvent:
    event: dict[str, Any]
    planted: list[tuple[str, str, Path_]]  # (type, value, where it sits in the event)
    keep: list[tuple[Path_, Any]]  # non-personal values that must come out unchanged


def log_event(sample: Sample, rng: random.Random, n: int) -> LogEvent:
    topic = rng.choice(TOPICS)
    contact: dict[str, Any] = {"type": "contact", "id": f"{rng.getrandbits(96):024x}"}
    event: dict[str, Any] = {"level": "info", "timestamp": f"2026-11-29T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                             f"{n % 60:02d}.{rng.randrange(10**6):06d}Z", "topic": topic,
                             "app_id": "ab12cd34", "request_id": f"req_{rng.getrandbits(64):016x}",
                             "conversation_id": str(rng.randrange(10**9, 10**10)), "created_at": 1_764_000_000 + n}
    text_path: Path_
    if n % 2:
        event["event"], text_path = sample.text, ("event",)
    else:
        event["event"], text_path = "conversation part received", ("part", "body")
        event["part"] = {"type": "conversation_part", "id": str(rng.randrange(10**8, 10**9)), "body": sample.text}
    event["contact"] = contact
    planted: list[tuple[str, str, Path_]] = []
    seen: Counter[str] = Counter()
    for start, end, label in sample.spans:
        if label not in KEYS:
            continue
        value = sample.text[start:end]
        planted.append((label, value, text_path))
        seen[label] += 1
        keys = KEYS[label]
        key = keys[seen[label] - 1] if seen[label] <= len(keys) else f"{keys[-1]}_{seen[label]}"
        contact[key] = value
        planted.append((label, value, ("contact", key)))
    keep: list[tuple[Path_, Any]] = [((k,), event[k]) for k in (
        "level", "timestamp", "topic", "app_id", "request_id", "conversation_id", "created_at")]
    keep += [(("contact", "type"), "contact"), (("contact", "id"), contact["id"])]
    if "part" in event:
        keep += [(("event",), event["event"]), (("part", "id"), event["part"]["id"])]
    return LogEvent(event, planted, keep)


def _at(value: Any, path: Path_) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def survives(redacted: dict[str, Any], value: str, path: Path_) -> bool:
    """The planted text still stands, whole, in the redacted string at ``path``."""
    text = _at(redacted, path)
    if not isinstance(text, str):
        return False
    return re.search(rf"(?<![^\W_]){re.escape(value)}(?![^\W_])", text) is not None


def score_events(events: list[LogEvent], redactor: Redactor) -> dict[str, Any]:
    leaked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    where: Counter[tuple[str, str]] = Counter()
    kept = kept_total = 0
    changed: Counter[str] = Counter()
    for item in events:
        clean = redactor.redact(item.event)
        for label, value, path in item.planted:
            total[label] += 1
            if survives(clean, value, path):
                leaked[label] += 1
                where[label, "text" if path[0] != "contact" else "key"] += 1
        for path, value in item.keep:
            kept_total += 1
            if _at(clean, path) == value:
                kept += 1
            else:
                changed[".".join(path)] += 1
    return {"leaked": leaked, "total": total, "where": where, "kept": (kept, kept_total), "changed": changed}


# -- the run ------------------------------------------------------------------------------------

def _spans(findings: Any) -> list[Span]:
    return [(f.start, f.end, f.entity_type) for f in findings]


def run(n: int, seeds: tuple[int, ...] = SEEDS) -> str:
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    items = samples(n, seeds=seeds)
    rng = random.Random(n)
    corpus = bodies(items, rng)
    events = [log_event(sample, rng, i) for i, sample in enumerate(items)]
    texts = [body.html for body in corpus]

    modes: dict[str, dict[str, Any]] = {}
    patterns = Scanner(cache_size=0)
    modes["ours, patterns"] = evaluate(corpus, [_spans(patterns.scan(t, html=True)) for t in texts], TYPES)
    try:
        ner: Scanner | None = Scanner(ner_model=MODEL, cache_size=0)
    except Exception as exc:  # the model is optional
        print(f"NER mode skipped: {exc}", file=sys.stderr)
        ner = None
    if ner is not None:
        modes["ours, NER"] = evaluate(corpus, [_spans(f) for f in ner.scan_batch(texts, html=True)], TYPES)
    plain = plain_analyzer()
    modes["plain Presidio (raw HTML)"] = evaluate(
        corpus, [_spans(plain.analyze(t, "en", entities=SHARED)) for t in texts], TYPES)

    survival = {"ours, patterns": score_events(events, Redactor())}
    if ner is not None:
        survival["ours, NER"] = score_events(events, Redactor(ner_model=MODEL))
    return render(n, seeds, items, corpus, modes, survival)


def _lines(title: str, header: str, rows: Iterator[str], columns: int) -> list[str]:
    return ["", title, "", header, "|---|" + "---|" * columns, *rows]


def render(n: int, seeds: tuple[int, ...], items: list[Sample], corpus: list[Body], modes: dict[str, Any],
           survival: dict[str, Any]) -> str:
    names, ours = list(modes), list(survival)
    labels = Counter(label for s in items for _, _, label in s.spans)
    lines = [
        "## Accuracy: presidio-evaluator",
        "",
        f"Command: `python benchmarks/bench_accuracy.py --samples {n}"
        f"{'' if seeds == SEEDS else ' --seeds ' + ','.join(map(str, seeds))} --write` "
        f"({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}, "
        f"presidio-evaluator {_version('presidio-evaluator')}, presidio-analyzer {_version('presidio-analyzer')}, "
        f"spaCy model `{MODEL}`). {len(items)} samples of presidio-evaluator's `PresidioSentenceFaker` "
        f"(locales {', '.join(LOCALES)}; seeds {', '.join(map(str, seeds))}), "
        f"{sum(labels[t] for t in TYPES)} labeled personal values "
        f"({', '.join(f'{t} {labels[t]}' for t in TYPES if labels[t])}); rendered as {len(corpus)} HTML "
        f"bodies ({sum(len(b.safe) for b in corpus)} look-alikes) and {len(items)} log events. "
        "Nothing of this data feeds detection. The second set is the Faker corpus of `bench_scanner.py` "
        "(section *Scanner*), whose formats the recognizers were written for.",
    ]
    lines += _lines("### Bodies: recall per labeled type (value fully covered by findings)",
                    "| type | " + " | ".join(names) + " |",
                    (f"| {t} | " + " | ".join(_pct(modes[m]["recall"].get(t, (0, 0))) for m in names) + " |"
                     for t in TYPES if any(t in modes[m]["recall"] for m in names)), len(names))
    finding_types = sorted({t for m in names for t in modes[m]["precision"]})
    lines += _lines("### Bodies: precision (finding overlaps a labeled value)",
                    "| finding type | " + " | ".join(names) + " |",
                    (f"| {t} | " + " | ".join(_pct(modes[m]["precision"].get(t, (0, 0))) for m in names) + " |"
                     for t in finding_types), len(names))
    lines.append("| **all findings** | " + " | ".join(f"**{_pct(modes[m]['overall'])}**" for m in names) + " |")
    lines.append("| look-alikes flagged (ids, conversation numbers, timestamps) | "
                 + " | ".join(str(modes[m]["lookalikes"]) for m in names) + " |")
    lines += _lines("### Log events through `Redactor.redact`: planted values surviving",
                    "| type | " + " | ".join(ours) + " |",
                    (f"| {t} | " + " | ".join(_pct((survival[m]['leaked'][t], survival[m]['total'][t]))
                                              for m in ours) + " |"
                     for t in TYPES if survival[ours[0]]["total"][t]), len(ours))
    for name, types, place in (("**all planted values but LOCATION**", PERSONAL, None),
                               ("... of them in the message or body text", PERSONAL, "text"),
                               ("... of them under their keys", PERSONAL, "key"),
                               ("all planted values, LOCATION included", TYPES, None)):
        lines.append(f"| {name} | " + " | ".join(_pct(_survived(survival[m], types, place)) for m in ours) + " |")
    lines.append("| non-personal values preserved (ids, timestamps, event names, topics) | "
                 + " | ".join(_pct(survival[m]["kept"]) for m in ours) + " |")
    lines.append("| non-personal values changed, by key | " + " | ".join(
        ", ".join(f"`{k}` {v}" for k, v in survival[m]["changed"].most_common()) or "none" for m in ours) + " |")
    lines += ["", *_reading(modes, survival), "", _NOTES, ""]
    return "\n".join(lines)


_NOTES = (
    "Notes: the generator's labels are its own: STREET_ADDRESS includes a building number or a "
    "secondary address (`Apt. 415`) alone and \"the corner of X and Y\"; PERSON includes lone first or "
    "last names; LOCATION (cities, countries, states) is reported but kept out of the survival targets. "
    "A finding overlapping any labeled entity (organisations and titles included) counts as correct. "
    "In the log events Intercom's numeric `conversation_id` strings are the non-personal values lost "
    "(taken for phone numbers); a planted value survives when its whole text is still at its place."
)


def _survived(score: dict[str, Any], types: tuple[str, ...], place: str | None = None) -> tuple[int, int]:
    """(surviving, planted) over ``types``, in the text, under keys or (None) both."""
    leaked = score["where"] if place else score["leaked"]
    hit = sum(leaked[(t, place)] if place else leaked[t] for t in types)
    total = sum(score["total"][t] for t in types)
    return hit, total // 2 if place else total


def _rate(pair: tuple[int, int]) -> float:
    return 100 * pair[0] / pair[1] if pair[1] else 0.0


def _reading(modes: dict[str, Any], survival: dict[str, Any]) -> list[str]:
    """Issue 11's targets, met or not, from the tables above."""
    out = ["Against issue 11's targets:", ""]
    if "ours, NER" in modes:
        ner, plain = modes["ours, NER"]["recall"], modes["plain Presidio (raw HTML)"]["recall"]
        hard = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN")
        low = [f"{t} {_rate(ner[t]):.0f}%" for t in hard if t in ner and _rate(ner[t]) < 99]
        out.append(f"* bodies, NER mode, recall ≥ 99% for e-mail/phone/card/IBAN/IP/SSN: "
                   f"{'met' if not low else 'not met (' + ', '.join(low) + ')'}")
        person, street = _rate(ner.get("PERSON", (0, 0))), _rate(ner.get("STREET_ADDRESS", (0, 0)))
        below = [t for t in ner if t in plain and _rate(ner[t]) < _rate(plain[t])]
        out.append(f"* PERSON ≥ 85% / STREET_ADDRESS ≥ 80%: {person:.0f}% / {street:.0f}% "
                   f"({'met' if person >= 85 and street >= 80 else 'not met'}); above plain Presidio on every "
                   f"type: {'yes' if not below else 'no (' + ', '.join(below) + ')'}")
        precision = _rate(modes["ours, NER"]["overall"])
        out.append(f"* precision over all findings ≥ 92%: {precision:.1f}% ({'met' if precision >= 92 else 'not met'})")
    for mode, target in (("ours, NER", 2), ("ours, patterns", 8)):
        if mode in survival:
            rate = _rate(_survived(survival[mode], PERSONAL))
            out.append(f"* log events, {mode}: planted values (LOCATION aside) surviving ≤ {target}%: "
                       f"{rate:.1f}% "
                       f"({'met' if rate <= target else 'not met'})")
    kept = min(_rate(s["kept"]) for s in survival.values())
    out.append(f"* non-personal values preserved ≥ 99.5%: {kept:.1f}% ({'met' if kept >= 99.5 else 'not met'})")
    return out


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=600, help="generated samples (default 600)")
    parser.add_argument("--seeds", type=lambda s: tuple(int(x) for x in s.split(",")), default=SEEDS,
                        help="the generator's seeds, comma-separated (default 1,2: the samples read while the "
                             "formats were written; others give samples nobody has read)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    section = run(args.samples, args.seeds)
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()
