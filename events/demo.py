"""Demo data: both series, the 2019 Strategic Conference from the archive, and the
May and November 2027 editions with full two-day agendas. Idempotent: keyed on slugs
and (edition, session title)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from events.models import (
    AgendaSession,
    Edition,
    EditionPartner,
    Partner,
    Room,
    Series,
    SessionSpeaker,
    Speaker,
    Venue,
)
from events.services import agenda_session_save, edition_save
from events.speaking import demo as speaking_demo
from socex.demo import DEMO_ACCOUNTS

SERIES = [
    {
        "code": "SC",
        "slug": "strategic-conference",
        "name": "Strategic Conference",
        "short_name": "Strategic SOCEX",
        "usual_month": 5,
        "audience": "About 225 senior leaders of UK law enforcement agencies",
        "description": (
            "The first SOCEX conference, launched in 2015, brings together the senior "
            "management teams of most law enforcement agencies in the UK. It aims to "
            "educate and spark ideas of new and existing strategic approaches to "
            "tackling organised crime."
        ),
    },
    {
        "code": "ECC",
        "slug": "economic-crime-conference",
        "name": "Economic Crime Conference",
        "short_name": "SOCEX Economic Crime",
        "usual_month": 11,
        "audience": "About 400 operational staff working against economic crime",
        "description": (
            "Launched in 2016 as the Financial Crime Conference for operational staff, "
            "it grew from under 200 delegates in its first year to 400 two years later."
        ),
    },
]

VENUES = [
    {
        "slug": "chesford-grange",
        "name": "Chesford Grange",
        "address": "Chesford Bridge\nKenilworth",
        "town": "Warwick",
        "postcode": "CV8 2LD",
        "map_url": "https://www.openstreetmap.org/search?query=CV8%202LD",
        "travel_notes": "Five minutes from the A46; Warwick Parkway and Leamington "
        "Spa stations are a short taxi ride away.",
        "parking_notes": "Free parking on site for 400 cars.",
        "accessibility_notes": "Step-free access to every conference room; "
        "accessible bedrooms and toilets on the ground floor.",
        "accommodation_notes": "Delegate rates on site; book through the venue "
        "quoting SOCEX.",
        "rooms": [
            ("Kenilworth Suite", 400),
            ("Warwick Room", 60),
            ("Stoneleigh Room", 60),
            ("Avon Room", 40),
            ("Leam Room", 40),
        ],
    },
    {
        "slug": "the-belfry",
        "name": "The Belfry Hotel & Resort",
        "address": "Lichfield Road\nWishaw",
        "town": "Sutton Coldfield",
        "postcode": "B76 9PR",
        "map_url": "https://www.openstreetmap.org/search?query=B76%209PR",
        "travel_notes": "Junction 9 of the M42 is two miles away; the nearest "
        "station is Birmingham International (15 minutes by taxi).",
        "parking_notes": "Free parking for delegates; marked accessible bays by the "
        "main entrance.",
        "accessibility_notes": "Lifts to all floors, hearing loops in the Brabazon "
        "Suite, accessible toilets on each level.",
        "accommodation_notes": "A block of rooms is held at a delegate rate until "
        "four weeks before the conference.",
        "rooms": [
            ("Brabazon Suite", 300),
            ("Ryder Room", 60),
            ("Derby Room", 60),
            ("Masters Room", 45),
            ("Fairway Room", 45),
        ],
    },
    {
        "slug": "east-midlands-conference-centre",
        "name": "East Midlands Conference Centre",
        "address": "University Park\nBeeston Lane",
        "town": "Nottingham",
        "postcode": "NG7 2RJ",
        "map_url": "https://www.openstreetmap.org/search?query=NG7%202RJ",
        "travel_notes": "Ten minutes by tram or taxi from Nottingham station; "
        "junction 25 of the M1 is 15 minutes away.",
        "parking_notes": "Free parking in the centre's own car park.",
        "accessibility_notes": "The whole centre is on one level with step-free "
        "access; hearing loops in all rooms.",
        "accommodation_notes": "The Orchard Hotel next door holds delegate rooms.",
        "rooms": [
            ("Auditorium", 450),
            ("Conference Room 1", 80),
            ("Conference Room 2", 80),
            ("Conference Room 3", 60),
            ("Conference Room 4", 60),
        ],
    },
]

WELCOME_2019 = """Welcome to SOCEX 2019, a key event in the development of our approach to the delivery of the 2018 Serious & Organised Crime Strategy.

There are many and varied clichés about the scale and impact of serious and organised crime.  What we all know, is that it is multi-faceted, multi-generational and is a truly wicked problem impacting in all of our local communities in one form or another.  It is often the innovation of the criminal that limits the threat and with ever increasing advancements in technology within society so the opportunities to commit crime are similarly enhanced, with the criminals achieving higher profit margins by exploiting the vulnerable either through direct victimisation or utilisation in the commission of a crime.  The advancement of technology is also evident in other areas such as the malicious use of drones that was so recently highlighted with the events at Gatwick.

The aim of this year’s conference is to look at an evidenced based approach to tackling the threat from serious and organised crime.  We will rightly focus on the launch of the new serious and organised strategy, how we intend to develop our approach to delivery across law enforcement and an honest assessment of how much progress we feel we are making.  The conference will also explore the relationship of the SOC strategy with other central government strategies such as senior violence, with ‘County Lines’ being a significant threat across the Country.

I am taking a slightly different approach to the conference this year in order to broaden the experience and hopefully exposure to good operational practice and wider academic research.  After a keynote address from an international perspective day two will consist of a number of elective workshops, of which you will have the choice of four from a possible eight sessions.

I hope you can come along and enjoy the conference but also treat it as an opportunity to reflect and discuss, so that you go away with a focussed intention to maximise the contribution of your agency towards tackling the threat from serious and organised crime.

Thank you

Andy Cooke QPM"""  # noqa: E501

AIM_STRATEGIC = (
    "To look at an evidence-based approach to tackling the threat from serious and "
    "organised crime: how law enforcement delivers the national strategy, and an "
    "honest assessment of how much progress is being made."
)
AIM_ECONOMIC = (
    "To equip operational staff to pursue economic crime and its proceeds: fraud, "
    "money laundering and the professional enablers behind them, from the first "
    "report to asset recovery."
)

# slug: (display name, post-nominals, role, organisation, may be named)
SPEAKERS = {
    "andy-cooke": (
        "Andy Cooke",
        "QPM",
        "Chief Constable",
        "Merseyside Police",
        True,
    ),
    "ingrid-van-der-berg": (
        "Ingrid van der Berg",
        "",
        "Head of Serious and Organised Crime Centre",
        "Europol",
        True,
    ),
    "marcus-oyelaran": (
        "Marcus Oyelaran",
        "",
        "Director of Threat Leadership",
        "National Crime Agency",
        True,
    ),
    "helen-strachan": (
        "Helen Strachan",
        "QPM",
        "Assistant Chief Constable",
        "Regional Organised Crime Unit",
        True,
    ),
    "priya-raman": (
        "Dr Priya Raman",
        "",
        "Senior Lecturer in Criminology",
        "University of Leicester",
        True,
    ),
    "tom-whitlock": (
        "Tom Whitlock",
        "",
        "Deputy Director, Serious and Organised Crime",
        "Home Office",
        True,
    ),
    "covert-lead": (
        "Detective Superintendent K. Rowe",
        "",
        "Covert operations lead",
        "Regional Organised Crime Unit",
        False,
    ),
    "daniel-okafor": (
        "Daniel Okafor",
        "",
        "Detective Chief Inspector, County Lines Taskforce",
        "Metropolitan Police Service",
        True,
    ),
    "claire-hendry": (
        "Claire Hendry",
        "",
        "Commander, Economic Crime",
        "City of London Police",
        True,
    ),
    "raphael-moreau": (
        "Raphaël Moreau",
        "",
        "Financial Intelligence Adviser",
        "Interpol",
        True,
    ),
    "sarah-benton": (
        "Sarah Benton",
        "",
        "Head of Financial Investigation",
        "National Economic Crime Centre",
        True,
    ),
    "gareth-lloyd": (
        "Gareth Lloyd",
        "",
        "Director of Fraud Intelligence",
        "UK Finance",
        True,
    ),
}

PARTNERS = {
    "Home Office": "https://www.gov.uk/government/organisations/home-office",
    "National Crime Agency": "https://www.nationalcrimeagency.gov.uk",
    "National Police Chiefs' Council": "https://www.npcc.police.uk",
    "College of Policing": "https://www.college.police.uk",
    "City of London Police": "https://www.cityoflondon.police.uk",
    "UK Finance": "https://www.ukfinance.org.uk",
    "Cifas": "https://www.cifas.org.uk",
}

EDITIONS = [
    {
        "slug": "strategic-2019",
        "series": "SC",
        "ordinal": 5,
        "title": "Strategic SOCEX 2019",
        "start": dt.date(2019, 5, 22),
        "venue": "chesford-grange",
        "capacity": 225,
        "status": Edition.Status.ARCHIVED,
        "aim": AIM_STRATEGIC,
        "welcome": (WELCOME_2019, "Chief Constable Andy Cooke QPM", "Host, SOCEX 2019"),
        "speakers": {
            "welcome": ["andy-cooke"],
            "keynote": ["ingrid-van-der-berg"],
            "plenary": ["tom-whitlock"],
            "panel": ["helen-strachan", "daniel-okafor", "covert-lead"],
            "research": ["priya-raman"],
            "closing": ["andy-cooke"],
        },
        "partners": ["Home Office", "National Crime Agency", "College of Policing"],
    },
    {
        "slug": "strategic-2027",
        "series": "SC",
        "ordinal": 13,
        "title": "Strategic SOCEX 2027",
        "start": dt.date(2027, 5, 19),
        "venue": "the-belfry",
        "capacity": 225,
        "status": Edition.Status.PUBLISHED,
        "aim": AIM_STRATEGIC,
        "welcome": (
            "Welcome to the thirteenth Strategic Conference. Two days to test what "
            "works against serious and organised crime, to hear from colleagues "
            "abroad, and to choose four of eight workshops on day two.",
            "Assistant Chief Constable Helen Strachan QPM",
            "Host, Strategic SOCEX 2027",
        ),
        "speakers": {
            "welcome": ["helen-strachan"],
            "keynote": ["ingrid-van-der-berg"],
            "plenary": ["marcus-oyelaran", "tom-whitlock"],
            "panel": ["daniel-okafor", "covert-lead", "helen-strachan"],
            "research": ["priya-raman"],
            "closing": ["helen-strachan"],
        },
        "partners": [
            "Home Office",
            "National Crime Agency",
            "National Police Chiefs' Council",
            "College of Policing",
        ],
    },
    {
        "slug": "economic-crime-2027",
        "series": "ECC",
        "ordinal": 12,
        "title": "SOCEX Economic Crime Conference 2027",
        "start": dt.date(2027, 11, 17),
        "venue": "east-midlands-conference-centre",
        "capacity": 400,
        "status": Edition.Status.PUBLISHED,
        "aim": AIM_ECONOMIC,
        "welcome": (
            "Welcome to the Economic Crime Conference: two days of practical "
            "sessions for the people who investigate fraud and follow the money.",
            "Commander Claire Hendry",
            "Host, Economic Crime Conference 2027",
        ),
        "speakers": {
            "welcome": ["claire-hendry"],
            "keynote": ["raphael-moreau"],
            "plenary": ["sarah-benton"],
            "panel": ["gareth-lloyd", "covert-lead", "sarah-benton"],
            "research": ["priya-raman"],
            "closing": ["claire-hendry"],
        },
        "partners": [
            "City of London Police",
            "National Crime Agency",
            "UK Finance",
            "Cifas",
        ],
    },
]

WORKSHOP_THEMES = {
    "SC": [
        "County lines and the exploitation of children",
        "Organised immigration crime",
        "Firearms and the criminal supply chain",
        "Cyber-enabled organised crime",
        "Modern slavery and human trafficking",
        "Prison-based organised crime",
        "Drones, technology and the criminal",
        "Lifetime offender management",
    ],
    "ECC": [
        "Cryptoassets: tracing and seizure",
        "Professional enablers of money laundering",
        "Account freezing and forfeiture orders",
        "Romance and investment fraud victims",
        "Open-source intelligence for financial investigators",
        "Trade-based money laundering",
        "Public-private information sharing",
        "Confiscation after conviction",
    ],
}


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _agenda(spec: dict, main_room: str) -> list[dict]:
    """Two days: keynote from an international perspective on day one, four workshop
    blocks on day two (two parallel workshops in each, run by the workshops app)."""
    day1, day2 = spec["start"], spec["start"] + dt.timedelta(days=1)
    themes = WORKSHOP_THEMES[spec["series"]]
    intl = "International perspective"
    rows = [
        (day1, "08:30", "09:30", "networking", "Registration and coffee", None, ""),
        (
            day1,
            "09:30",
            "09:50",
            "plenary",
            "Welcome from the host",
            main_room,
            "welcome",
        ),
        (
            day1,
            "09:50",
            "10:50",
            "keynote",
            f"Keynote: {intl.lower()} on serious and organised crime",
            main_room,
            "keynote",
        ),
        (day1, "10:50", "11:20", "break", "Morning break", None, ""),
        (
            day1,
            "11:20",
            "12:30",
            "plenary",
            "The national strategy: delivery so far",
            main_room,
            "plenary",
        ),
        (day1, "12:30", "13:30", "break", "Lunch", None, ""),
        (
            day1,
            "13:30",
            "14:45",
            "panel",
            "Panel: an honest assessment of progress",
            main_room,
            "panel",
        ),
        (day1, "14:45", "15:15", "break", "Afternoon break", None, ""),
        (
            day1,
            "15:15",
            "16:30",
            "plenary",
            "What the evidence says: research into practice",
            main_room,
            "research",
        ),
        (day1, "19:00", "22:30", "dinner", "Conference dinner", main_room, ""),
        (day2, "08:30", "09:00", "networking", "Coffee", None, ""),
    ]
    blocks = [
        ("09:00", "10:15"),
        ("10:30", "11:45"),
        ("12:30", "13:45"),
        ("14:00", "15:15"),
    ]
    for number, (start, end) in enumerate(blocks, start=1):
        pair = themes[(number - 1) * 2 : number * 2]
        rows.append(
            (
                day2,
                start,
                end,
                "workshop_block",
                f"Workshop block {number}",
                None,
                "",
                "Choose one of two elective workshops: " + " or ".join(pair) + ".",
            )
        )
    rows += [
        (day2, "10:15", "10:30", "break", "Break", None, ""),
        (day2, "11:45", "12:30", "break", "Lunch", None, ""),
        (day2, "13:45", "14:00", "break", "Break", None, ""),
        (
            day2,
            "15:30",
            "16:00",
            "plenary",
            "Closing remarks",
            main_room,
            "closing",
        ),
    ]
    sessions = []
    for row in rows:
        day, start, end, kind, title, room, role = row[:7]
        description = row[7] if len(row) > 7 else ""
        if kind == "keynote":
            description = (
                f"{intl}: how partners abroad see the threat to the UK and what "
                "works across borders."
            )
        sessions.append(
            {
                "starts_at": _at(day, start),
                "ends_at": _at(day, end),
                "kind": kind,
                "title": title,
                "room": room,
                "role": role,
                "description": description,
            }
        )
    return sessions


def load(*, stdout) -> None:
    series = {}
    for data in SERIES:
        data = dict(data)
        code = data.pop("code")
        series[code], _ = Series.objects.update_or_create(code=code, defaults=data)
    venues, rooms = {}, {}
    for data in VENUES:
        data = dict(data)
        room_specs = data.pop("rooms")
        venue, _ = Venue.objects.update_or_create(slug=data.pop("slug"), defaults=data)
        venues[venue.slug] = venue
        for name, capacity in room_specs:
            rooms[(venue.slug, name)], _ = Room.objects.update_or_create(
                venue=venue, name=name, defaults={"capacity": capacity}
            )
    speaker_user = (
        get_user_model().objects.filter(email=DEMO_ACCOUNTS["speaker"]).first()
    )
    speakers = {}
    for slug, (name, letters, role, organisation, named) in SPEAKERS.items():
        speakers[slug], _ = Speaker.objects.update_or_create(
            slug=slug,
            defaults={
                "display_name": name,
                "post_nominals": letters,
                "role": role,
                "organisation": organisation,
                "may_be_named": named,
                "bio": f"{role}, {organisation}.",
            },
        )
    if speaker_user and not Speaker.objects.filter(user=speaker_user).exists():
        Speaker.objects.filter(slug="marcus-oyelaran").update(user=speaker_user)
    partners = {}
    for name, website in PARTNERS.items():
        partners[name], _ = Partner.objects.update_or_create(
            name=name, defaults={"website": website}
        )

    for spec in EDITIONS:
        edition = Edition.objects.filter(slug=spec["slug"]).first() or Edition(
            slug=spec["slug"]
        )
        start = spec["start"]
        welcome, author, role = spec["welcome"]
        edition.series = series[spec["series"]]
        edition.ordinal = spec["ordinal"]
        edition.year = start.year
        edition.title = spec["title"]
        edition.start_date = start
        edition.end_date = start + dt.timedelta(days=1)
        edition.venue = venues[spec["venue"]]
        edition.capacity = spec["capacity"]
        edition.status = spec["status"]
        edition.aim = spec["aim"]
        edition.welcome_message = welcome
        edition.welcome_author = author
        edition.welcome_author_role = role
        if start.year < 2026:
            edition.registration_opens_at = _at(start - dt.timedelta(days=120), "09:00")
        else:
            # Open now: the demo is for trying registration.
            edition.registration_opens_at = _at(dt.date(2026, 9, 1), "09:00")
        edition.registration_closes_at = _at(start - dt.timedelta(days=14), "23:59")
        edition.workshop_selection_closes_at = _at(
            start - dt.timedelta(days=21), "23:59"
        )
        edition_save(edition=edition)

        main_room = VENUES_MAIN[spec["venue"]]
        for item in _agenda(spec, main_room):
            session = AgendaSession.objects.filter(
                edition=edition, title=item["title"]
            ).first() or AgendaSession(edition=edition, title=item["title"])
            session.starts_at = item["starts_at"]
            session.ends_at = item["ends_at"]
            session.kind = item["kind"]
            session.description = item["description"]
            session.room = (
                rooms[(spec["venue"], item["room"])] if item["room"] else None
            )
            agenda_session_save(session=session)
            for order, slug in enumerate(spec["speakers"].get(item["role"], [])):
                SessionSpeaker.objects.update_or_create(
                    session=session, speaker=speakers[slug], defaults={"order": order}
                )
        for order, name in enumerate(spec["partners"]):
            EditionPartner.objects.update_or_create(
                edition=edition, partner=partners[name], defaults={"order": order}
            )
    speaking_demo.load(stdout=stdout)
    stdout.write(
        "Events demo ready: "
        + ", ".join(spec["slug"] for spec in EDITIONS)
        + " (series SC and ECC)."
    )


VENUES_MAIN = {venue["slug"]: venue["rooms"][0][0] for venue in VENUES}
