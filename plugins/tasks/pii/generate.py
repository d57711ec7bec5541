"""Faker-based social-media posts with PII in English and Dutch, with exact char offsets.

Each post is built piece by piece from templates, so every span's offsets are known; the
same seed gives the same posts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Piece = str | tuple[str, str]  # literal text, or (value kind, label)


@dataclass(frozen=True)
class Post:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    language: str


TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "omg {handle} happy birthday!! born {dob} and still looking 21 😂",
        "DM me or mail {email} if you found my dog, call {phone} pls",
        "{person} just moved to {address} lol new neighbours who dis",
        "anyone know {person}? she works at {org} in {city}",
        "send the money to {iban} and ill pay u back tmrw {handle}",
        "my card {card} got blocked AGAIN thanks {org} 🙄",
        "new blog post up at {url} check it out {handle}",
        "RT {handle}: meet {person} at {city} station, her number is {phone}",
        "lost wallet near {address}. if found contact {person} {phone}",
        "happy bday to my bestie {person} ({dob}) 🎉🎉 {handle}",
        "Hi {org}, my order never came. email {email}, ssn {ssn} on file",
        "{person} ({handle}) is giving away tickets, reply with ur email like {email}",
        "passport {passport} expired ugh, appointment at {address} on {date}",
        "job at {org}? apply via {url} or call {person} at {phone}",
    ),
    "nl": (
        "gefeliciteerd {handle}!! geboren op {dob} en nog steeds jong 😂",
        "mijn fiets is gestolen bij {address}, bel {phone} als je iets ziet",
        "{person} woont nu in {city}, wie gaat er mee op bezoek?",
        "stuur het geld naar {iban} t.n.v. {person} aub",
        "vraagje voor {org}: mijn mail is {email}, waarom geen reactie?",
        "nieuwe vlog staat online {url} volg ook {handle}",
        "RT {handle}: {person} zoekt een kamer in {city}, tel {phone}",
        "pas {card} geblokkeerd door {org}, echt niet normaal",
        "afspraak op {date} bij {address}, neem je paspoort {passport} mee",
        "fijne verjaardag {person} ({dob}) 🎉 groetjes van {handle}",
        "wie kent {person}? werkt bij {org} in {city}",
        "mail me op {email} of app {phone} voor de tickets",
    ),
}

SLOT_LABELS: dict[str, str] = {
    "handle": "USERNAME", "dob": "DATE", "date": "DATE", "email": "EMAIL", "phone": "PHONE",
    "person": "PERSON", "address": "ADDRESS", "city": "ADDRESS", "org": "ORGANIZATION",
    "iban": "ID_NUMBER", "card": "ID_NUMBER", "ssn": "ID_NUMBER", "passport": "ID_NUMBER",
    "url": "URL",
}

LOCALES = {"en": "en_US", "nl": "nl_NL"}
DATE_FORMATS = {"en": ("%m/%d/%Y", "%B %d, %Y", "%d %b %Y", "%Y-%m-%d"),
                "nl": ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")}


def _slot_values(fake: object, language: str, rng: random.Random) -> dict[str, Callable[[], str]]:
    f = fake  # Faker instance; typed loosely because Faker proxies methods dynamically

    def handle() -> str:
        name = f.user_name().replace(".", "_")  # type: ignore[attr-defined]
        return "@" + name[:15]

    def date(value: object) -> str:
        return value.strftime(rng.choice(DATE_FORMATS[language]))  # type: ignore[attr-defined]

    def phone() -> str:
        if language == "nl":
            return rng.choice([f"+31 6 {rng.randint(10000000, 99999999)}",
                               f"06-{rng.randint(10000000, 99999999)}",
                               f"+31 20 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"])
        return rng.choice([f.phone_number(),  # type: ignore[attr-defined]
                           f"+1 {rng.randint(200, 999)}-{rng.randint(200, 999)}-"
                           f"{rng.randint(1000, 9999)}",
                           f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"])

    return {
        "handle": handle,
        "dob": lambda: date(f.date_of_birth(minimum_age=14, maximum_age=80)),  # type: ignore
        "date": lambda: date(f.date_between(start_date="-2y", end_date="+1y")),  # type: ignore
        "email": f.email,  # type: ignore[attr-defined]
        "phone": phone,
        "person": f.name,  # type: ignore[attr-defined]
        "address": lambda: f.address().replace("\n", ", "),  # type: ignore[attr-defined]
        "city": f.city,  # type: ignore[attr-defined]
        "org": f.company,  # type: ignore[attr-defined]
        "iban": f.iban,  # type: ignore[attr-defined]
        "card": lambda: f.credit_card_number(),  # type: ignore[attr-defined]
        "ssn": f.ssn,  # type: ignore[attr-defined]
        "passport": lambda: f.bothify("??#######").upper(),  # type: ignore[attr-defined]
        "url": f.url,  # type: ignore[attr-defined]
    }


def _fill(template: str, values: dict[str, Callable[[], str]]) -> Post:
    text, spans = "", []
    rest = template
    while "{" in rest:
        before, _, tail = rest.partition("{")
        slot, _, rest = tail.partition("}")
        text += before
        value = values[slot]().strip()
        spans.append((len(text), len(text) + len(value), SLOT_LABELS[slot]))
        text += value
    return Post(text + rest, tuple(spans), "")


def generate_posts(n: int, seed: int = 0, languages: tuple[str, ...] = ("en", "nl")
                   ) -> Iterator[Post]:
    """``n`` posts, alternating languages, reproducible from ``seed``."""
    from faker import Faker

    rng = random.Random(seed)
    fakers = {}
    for language in languages:
        fake = Faker(LOCALES[language])
        fake.seed_instance(seed + len(fakers))
        fakers[language] = (fake, _slot_values(fake, language, rng))
    for i in range(n):
        language = languages[i % len(languages)]
        _, values = fakers[language]
        post = _fill(rng.choice(TEMPLATES[language]), values)
        if rng.random() < 0.3:  # social-media casing noise
            post = Post(post.text.lower(), post.spans, "")
        yield Post(post.text, post.spans, language)
