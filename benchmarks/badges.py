"""Badge rendering throughput: bulk vs one by one vs WeasyPrint's floor.

Badges are drawn with reportlab (``delegates/badges/drawing.py``); the floor is
still WeasyPrint's, the renderer badges used to go through, so the ratio says how
a drawn badge compares with the cheapest page WeasyPrint can make.

Run: ``.venv/bin/python benchmarks/badges.py [--badges 400] [--processes 2]``

Builds a throwaway SQLite database with one edition, eight workshops in four blocks
and ``--badges`` confirmed registrations holding four workshops each, then times
(one name in 40 is in Chinese, Arabic, Greek or Cyrillic, so the run pays for font
fallback, shaping and the CJK font's converted glyphs as a real edition does):

- bulk: one PDF of every badge (front and back), sorted by surname, cut into chunks
  of ``BADGE_PRINT_CHUNK_SIZE`` as a print job cuts them, rendered on ``--processes``
  worker processes and joined, through the same functions the Celery print job uses
  (in production the chunks are a group of Celery tasks, since a prefork worker
  cannot start processes);
- single: each badge rendered on its own, one after another, in this process;
- plain: WeasyPrint's floor on the same terms as bulk: as many pages of the same
  size, each one line of text, in the same chunks (two pages a badge), on the same
  pool of ``--processes`` processes, joined by the same join. Bulk and plain runs
  alternate, so both see the same background load.

The renderer caches what repeats within a worker (fonts, the wrapped lines of a
text it has drawn): the first bulk run draws every badge afresh, later runs find
the names already wrapped, so each run is printed as well as the best.

Prints a table, then ``RESULT badges=... pages=... bulk_s=... single_s=... plain_s=...
ratio=bulk/plain bulk_cold_s=... ratio_cold=...``: the best runs, and the first bulk run
(before the workers' caches of wrapped lines and fonts hold anything) against the
best floor.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="socex-bench-badges-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socex.settings.test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

settings.MEDIA_ROOT = str(WORKDIR / "media")

FIRST = ["Sam", "Priya", "Tomasz", "Aoife", "Kwame", "Mei", "Olusegun", "Fatima"]
LAST = [
    "Patel",
    "O'Sullivan",
    "Kowalczyk-Brzęczyszczykiewicz",
    "Nguyen",
    "Okonkwo",
    "Fitzgerald-Armstrong",
    "Lee",
    "Hussain",
    "Smith",
    "Van der Merwe",
]
ORGS = [
    "National Crime Agency",
    "West Midlands Police",
    "HM Revenue and Customs",
    "Serious Fraud Office",
    "North West Regional Organised Crime Unit",
    "City of London Police Economic Crime Directorate",
]
RANKS = ["DI", "DCI", "DS", "Supt", "Dr", "Ms", "Mr"]
# One badge in INTERNATIONAL_EVERY names a person in another script: (first names,
# surnames, whether the badge reads surname first without a space) per script.
INTERNATIONAL_EVERY = 40
INTERNATIONAL = [
    (
        ["秀英", "伟", "芳", "娜", "敏", "静", "磊", "洋"],
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"],
        True,
    ),
    (
        ["محمد", "فاطمة", "أحمد", "عائشة", "علي", "مريم", "عمر", "خديجة"],
        [
            "العلي",
            "الحسن",
            "بن سلمان",
            "الأنصاري",
            "القحطاني",
            "الزهراني",
            "الشمري",
            "المصري",
            "الخطيب",
            "النجار",
        ],
        False,
    ),
    (
        ["Γιώργος", "Μαρία", "Νίκος", "Ελένη", "Κώστας", "Σοφία", "Δημήτρης", "Άννα"],
        [
            "Παπαδόπουλος",
            "Οικονόμου",
            "Γεωργίου",
            "Νικολάου",
            "Καραγιάννης",
            "Βασιλείου",
            "Αλεξίου",
            "Μιχαηλίδης",
            "Ιωάννου",
            "Δημητρίου",
        ],
        False,
    ),
    (
        ["Дмитрий", "Анна", "Сергей", "Ольга", "Иван", "Наталья", "Алексей", "Ирина"],
        [
            "Иванов",
            "Смирнов",
            "Кузнецов",
            "Попов",
            "Соколов",
            "Лебедев",
            "Новиков",
            "Морозов",
            "Волков",
            "Павлов",
        ],
        False,
    ),
]
CATEGORIES = ["delegate"] * 8 + ["speaker", "partner", "staff"]


def _first_name(i: int) -> str:
    """A first name and middle initial: with the surnames, every one of the first
    2,080 badges names a different person (the renderer caches wrapped lines, and
    real delegates do not share names)."""
    return f"{FIRST[i % len(FIRST)]} {chr(ord('A') + (i // len(FIRST)) % 26)}."


def _names(i: int) -> tuple[str, str, str]:
    """Badge ``i``'s first name, surname and badge name ("": the full name). One in
    ``INTERNATIONAL_EVERY`` is in another script, the scripts in turn; each of
    those names differs from the others (80 per script) and from every Latin one."""
    if i % INTERNATIONAL_EVERY != INTERNATIONAL_EVERY // 2:
        last = LAST[(i // (len(FIRST) * 26)) % len(LAST)]
        return _first_name(i), last, ""
    k = i // INTERNATIONAL_EVERY
    firsts, lasts, surname_first = INTERNATIONAL[k % len(INTERNATIONAL)]
    n = k // len(INTERNATIONAL)
    first, last = firsts[n % len(firsts)], lasts[(n // len(firsts)) % len(lasts)]
    return first, last, f"{last}{first}" if surname_first else ""


def build(count: int) -> list[int]:
    """Create the edition, workshops and ``count`` registrations; return their ids."""
    from delegates.badges.models import Badge
    from delegates.badges.services import badge_new
    from delegates.models import Profile, Registration, User
    from events.models import AgendaSession, Edition, Room, Series, Venue

    series = Series.objects.create(
        name="Economic Crime Conference",
        short_name="SOCEX Economic Crime",
        slug="economic-crime",
        code="ECC",
        usual_month=11,
        audience="Operational staff",
        description="-",
    )
    venue = Venue.objects.create(
        name="Crowne Plaza",
        slug="crowne-plaza",
        address="Bridgefoot",
        town="Stratford-upon-Avon",
        postcode="CV37 6YR",
    )
    start = dt.date(timezone.now().year + 1, 11, 17)
    edition = Edition.objects.create(
        series=series,
        ordinal=9,
        year=start.year,
        title=f"Economic Crime Conference {start.year}",
        slug="ecc-bench",
        start_date=start,
        end_date=start + dt.timedelta(days=1),
        venue=venue,
        capacity=count,
        status=Edition.Status.PUBLISHED,
    )
    users = User.objects.bulk_create(
        User(email=f"officer{i}@police.uk", password="!") for i in range(count)
    )
    names = [_names(i) for i in range(count)]
    badge_names = [badge or f"{first} {last}" for first, last, badge in names]
    assert len(set(badge_names)) == count, "every badge names a different person"
    Profile.objects.bulk_create(
        Profile(
            user=user,
            title_rank=RANKS[i % len(RANKS)],
            first_name=names[i][0],
            last_name=names[i][1],
            badge_name=names[i][2],
            post_nominals="QPM" if i % 13 == 0 else "",
            job_title="Investigator",
            organisation=ORGS[i % len(ORGS)],
            organisation_type=Profile.OrganisationType.UK_POLICE,
        )
        for i, user in enumerate(users)
    )
    registrations = Registration.objects.bulk_create(
        Registration(
            edition=edition,
            user=user,
            category=CATEGORIES[i % len(CATEGORIES)],
            status=Registration.Status.CONFIRMED,
            number=i + 1,
            reference=f"ECC-{i + 1:04d}",
            confirmed_at=timezone.now(),
        )
        for i, user in enumerate(users)
    )
    Badge.objects.bulk_create(badge_new(registration) for registration in registrations)
    try:
        _workshops(edition, venue, registrations, AgendaSession, Room)
        with_workshops = "4 workshops each"
    except Exception as exc:  # the workshops app's models may be in flux
        with_workshops = f"no workshops ({type(exc).__name__}: {exc})"
    international = sum(1 for first, _last, _badge in names if not first.isascii())
    print(
        f"built {count} registrations ({international} in other scripts), "
        f"{with_workshops}"
    )
    return [registration.pk for registration in registrations]


def _workshops(edition, venue, registrations, AgendaSession, Room) -> None:
    from workshops.models import TimeBlock, Workshop, WorkshopChoice, WorkshopRun

    day_two = timezone.make_aware(dt.datetime.combine(edition.end_date, dt.time(9)))
    rooms = [
        Room.objects.create(venue=venue, name=f"Suite {i + 1}", capacity=500)
        for i in range(2)
    ]
    runs_by_block = []
    for block_index in range(4):
        starts = day_two + dt.timedelta(hours=1, minutes=15) * block_index
        session = AgendaSession.objects.create(
            edition=edition,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            kind=AgendaSession.Kind.WORKSHOP_BLOCK,
            title=f"Workshops {block_index + 1}",
        )
        block = TimeBlock.objects.create(edition=edition, session=session)
        runs = []
        for slot in range(2):
            workshop, _created = Workshop.objects.get_or_create(
                edition=edition,
                title=[
                    "Cryptoassets and money laundering",
                    "County lines: disrupting the model",
                    "Romance fraud: victims and offenders",
                    "Open-source intelligence in practice",
                    "Asset recovery after conviction",
                    "Insider threat in financial services",
                    "Modern slavery supply chains",
                    "Working with the private sector",
                ][block_index * 2 + slot],
                defaults={"published": True},
            )
            runs.append(
                WorkshopRun.objects.create(
                    workshop=workshop, block=block, room=rooms[slot], capacity=500
                )
            )
        runs_by_block.append(runs)
    WorkshopChoice.objects.bulk_create(
        WorkshopChoice(
            registration=registration,
            run=runs[i % 2],
            block=runs[i % 2].block,
            workshop=runs[i % 2].workshop,
        )
        for i, registration in enumerate(registrations)
        for runs in runs_by_block
    )


def render_chunk(ids: list[int]) -> bytes:
    """One chunk, exactly as a print-job chunk task renders it (minus storage)."""
    from delegates.badges.rendering import badges_pdf, print_chunk_contents

    return badges_pdf(print_chunk_contents(ids))


def plain_chunk(pages: int) -> bytes:
    """The floor for a chunk: ``pages`` A6 pages of one line of text each."""
    from weasyprint import HTML

    html = (
        "<style>@page { size: A6; margin: 10mm } p { break-after: page }</style>"
        + "".join(f"<p>Page {i + 1}</p>" for i in range(pages))
    )
    return HTML(string=html).write_pdf()


def _warm() -> None:
    """Load the renderer and its fonts in each worker before the clock matters."""
    connections.close_all()
    from delegates.badges import drawing, fonts  # noqa: F401  imported to warm up

    for name, bold in (("body", False), ("body", True), ("mono", False)):
        fonts.chain(name, bold=bold).primary.font  # noqa: B018  loads the font file


def chunks(ids: list[int]) -> list[list[int]]:
    """The print order (surname) cut as a print job cuts it."""
    from delegates.badges.selectors import badge_registrations
    from delegates.badges.services import _chunk_size

    ordered = list(badge_registrations(ids=ids).values_list("pk", flat=True))
    size = _chunk_size()
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def bulk(ids: list[int], pool) -> bytes:
    """The print job's work: its chunks on the pool, then the join."""
    from socex.pdf import join_pdfs

    return join_pdfs(list(pool.map(render_chunk, chunks(ids))))


def plain(ids: list[int], pool) -> bytes:
    """The floor on the same terms: the same chunks of pages (two a badge) on the
    same pool of processes, joined the same way."""
    from socex.pdf import join_pdfs

    pages = [2 * len(chunk) for chunk in chunks(ids)]
    return join_pdfs(list(pool.map(plain_chunk, pages)))


def single(ids: list[int]) -> float:
    from delegates.badges.rendering import badge_content, badges_pdf
    from delegates.badges.selectors import badge_registrations

    started = time.perf_counter()
    for pk in ids:
        registration = badge_registrations(ids=[pk]).first()
        badges_pdf([badge_content(registration)])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=400)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="bulk and plain runs, interleaved; the best of each is reported",
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    ids = build(args.badges)
    connections.close_all()  # never share a connection with forked workers

    from socex.pdf import pdf_page_count

    with ProcessPoolExecutor(
        max_workers=args.processes, mp_context=get_context("fork"), initializer=_warm
    ) as pool:
        list(pool.map(render_chunk, [ids[:4]] * args.processes))  # warm-up
        list(pool.map(plain_chunk, [8] * args.processes))
        # The machine may be shared: interleave the runs so that both measures see
        # the same background load, and keep the best of each.
        bulk_runs, plain_runs = [], []
        for _run in range(args.repeat):
            started = time.perf_counter()
            pdf = bulk(ids, pool)
            bulk_runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            floor = plain(ids, pool)
            plain_runs.append(time.perf_counter() - started)
    pages = pdf_page_count(pdf)
    assert pdf_page_count(floor) == pages
    (WORKDIR / "bulk.pdf").write_bytes(pdf)
    single_s = single(ids)
    bulk_s, plain_s = min(bulk_runs), min(plain_runs)

    rows = [
        *((f"bulk run {i + 1}", s, pages) for i, s in enumerate(bulk_runs)),
        *((f"plain run {i + 1}", s, pages) for i, s in enumerate(plain_runs)),
        ("bulk (best)", bulk_s, pages),
        ("single (one by one)", single_s, 2 * len(ids)),
        ("plain floor (best)", plain_s, pages),
    ]
    print(f"{'render':<22}{'seconds':>10}{'pages':>8}{'ms/page':>10}")
    for label, seconds, count in rows:
        print(f"{label:<22}{seconds:>10.2f}{count:>8}{1000 * seconds / count:>10.2f}")
    print(f"bulk PDF: {WORKDIR / 'bulk.pdf'} ({len(pdf) // 1024} KiB)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"RESULT badges={len(ids)} pages={pages} bulk_s={bulk_s:.2f} "
        f"single_s={single_s:.2f} plain_s={plain_s:.2f} ratio={bulk_s / plain_s:.2f} "
        f"bulk_cold_s={bulk_runs[0]:.2f} ratio_cold={bulk_runs[0] / plain_s:.2f}"
    )


if __name__ == "__main__":
    main()
