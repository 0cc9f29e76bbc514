"""Demo posts, photos, comments and reactions for seed_demo: a few weeks of
life in 'Sammen hver for sig', like the Horsens group's first weeks."""

from __future__ import annotations

import io
import math
import random
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from groups.models import Group, SubGroup
from groups.selectors import group_changed
from posts import services as post_services
from posts.models import Comment, FeedEvent, Post, ReactionKind
from posts.services import PhotoUpload

WELCOME = (
    "**Velkommen til Sammen hver for sig!**\n\n"
    "Her deler vi lyspunkter, idéer og hverdag. Hver uge lægger vi fra Sund By opslag op "
    "efter ABC for mental sundhed:\n\n"
    "- **Aktiv**: gør noget aktivt – en gåtur, lidt gymnastik i stuen\n"
    "- **Sammen**: gør noget sammen – ring til en ven, del en opskrift\n"
    "- **Meningsfuld**: gør noget meningsfuldt – strik til en god sag, læs en bog\n\n"
    "Læs gruppens regler, og skriv endelig, hvis du har spørgsmål. Vi svarer alle."
)

STAFF_POSTS: list[tuple[str, str]] = [
    (
        "aktiv",
        "**Mandagens gåtur** 🚶\n\nPrøv at gå en tur på 20 minutter i dag. Læg mærke til "
        "tre ting, du ikke har set før, og fortæl os om dem i en kommentar!",
    ),
    (
        "sammen",
        "**Ring til én, du ikke har talt med længe** ☎️\n\nEn kort snak kan gøre en stor "
        "forskel – for dem og for dig. Hvem ringer du til i dag?",
    ),
    (
        "meningsfuld",
        "**Ugens bogtip** 📚\n\nVi har læst *Af måneskin og muld* – en lille bog om "
        "haven som et sted at finde ro. Hvad læser du lige nu?",
    ),
    (
        "aktiv",
        "**Stolegymnastik til morgenkaffen**\n\n1. Løft armene over hovedet 10 gange\n"
        "2. Rul skuldrene frem og tilbage\n3. Stræk benene ud, ét ad gangen\n\nDet tager fem "
        "minutter. Hvem er med i morgen?",
    ),
    (
        "sammen",
        "**Del en opskrift** 🍲\n\nHvad er jeres bedste ret til en kold dag? Skriv "
        "opskriften herunder – så samler vi dem til en lille kogebog.",
    ),
    (
        "meningsfuld",
        "**Strik til nyfødte**\n\nNeonatalafdelingen tager imod små huer og "
        "sokker. Strikkeklubben har opskriften – kig forbi undergruppen!",
    ),
    (
        "aktiv",
        "**Find en bænk, og nyd udsigten**\n\nSæt dig et sted, du holder af, og tag et "
        "billede. Del det med os – vi bliver så glade for at se jeres steder.",
    ),
    (
        "sammen",
        "**Torsdagskaffe på telefonen** ☕\n\nVi prøver noget nyt: torsdag kl. 14 kan "
        "man ringe ind og snakke med Kristina og et par andre medlemmer. Skriv, hvis du vil "
        "have nummeret.",
    ),
    (
        "meningsfuld",
        "**Skriv tre gode ting ned i aften**\n\nSmå ting tæller også: en god kop "
        "kaffe, en hilsen fra naboen, solen på køkkenbordet.",
    ),
]

MEMBER_POSTS: list[tuple[str, str, str]] = [
    # theme, text, picture kind
    (
        "meningsfuld",
        "Så blev sokkerne færdige! Det første par i mange år. Tak for hjælpen med hælen i går 😊",
        "knit",
    ),
    ("aktiv", "Dagens tur gik langs fjorden. Der var helt stille på vandet.", "fjord"),
    (
        "sammen",
        "Mit bidrag til kogebogen: mormors boller i karry. Skriv, hvis I vil have hele opskriften.",
        "food",
    ),
    ("", "Jeg har ikke skrevet før, men læser med hver dag. Det er dejligt at være her.", ""),
    ("aktiv", "Fandt en bænk i Lunden. Den udsigt!", "park"),
    ("meningsfuld", "Maleriet er næsten færdigt. Det er første gang i 30 år, jeg maler.", "paint"),
]

COMMENTS = [
    "Hvor er det flot! 👏",
    "Tak for idéen, det prøver jeg i morgen.",
    "Sikke dejligt.",
    "Det har jeg også gjort, det hjælper virkelig.",
    "Godt gået!",
    "Tak fordi du deler 🌷",
    "Det lyder hyggeligt.",
    "Den bog har jeg også læst – den er så fin.",
    "Jeg er med på torsdag!",
    "Sikke nogle farver.",
    "Det varmer at læse.",
    "Jeg gik også en tur i dag, selvom det blæste.",
]
REPLIES = ["Tak! 😊", "Ja, gør endelig det.", "Hvor er det rart at høre.", "Tak for det 💛"]


def _picture(kind: str, rng: random.Random) -> SimpleUploadedFile:
    """A generated, recognisable picture (no downloads): stripes for knitting,
    water and sky for the fjord, and so on."""
    w, h = 1200, 900
    img = Image.new("RGB", (w, h), (240, 236, 228))
    d = ImageDraw.Draw(img)
    if kind == "knit":
        colors = [(176, 58, 72), (236, 214, 180), (60, 90, 140)]
        for y in range(0, h, 36):
            c = colors[(y // 36) % 3]
            for x in range(0, w, 40):
                d.polygon([(x, y), (x + 20, y + 36), (x + 40, y)], fill=c)
    elif kind in ("fjord", "park"):
        for y in range(h // 2):
            t = y / (h / 2)
            d.line([(0, y), (w, y)], fill=(int(150 + 80 * t), int(190 + 40 * t), 235))
        ground = (70, 110, 150) if kind == "fjord" else (90, 140, 70)
        d.rectangle([0, h // 2, w, h], fill=ground)
        for x in range(0, w, 6):
            y = h // 2 - int(60 * math.sin(x / 140) + 40)
            d.line([(x, y), (x, h // 2)], fill=(60, 100, 60), width=6)
        d.ellipse([w - 260, 80, w - 140, 200], fill=(250, 220, 120))
    elif kind == "food":
        d.ellipse([200, 150, 1000, 800], fill=(250, 250, 245), outline=(200, 200, 200), width=8)
        d.ellipse([320, 260, 880, 690], fill=(214, 160, 40))
        for _ in range(14):
            x, y = rng.randint(380, 800), rng.randint(320, 620)
            d.ellipse([x, y, x + 60, y + 60], fill=(236, 220, 190))
    else:  # paint
        for _ in range(40):
            x, y = rng.randint(0, w), rng.randint(0, h)
            r = rng.randint(40, 160)
            d.ellipse(
                [x - r, y - r, x + r, y + r], fill=tuple(rng.randint(60, 240) for _ in range(3))
            )
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{kind}.jpg", out.getvalue(), content_type="image/jpeg")


ALT = {
    "knit": "Et par hjemmestrikkede sokker med røde, hvide og blå striber.",
    "fjord": "Fjorden en stille dag med blå himmel og sol.",
    "food": "En tallerken med boller i karry og ris.",
    "park": "Udsigt fra en bænk over en grøn eng under en lys himmel.",
    "paint": "Et farverigt maleri med runde former i mange farver.",
}


def _at(obj_model: Any, pk: int, when: Any) -> None:
    obj_model.objects.filter(pk=pk).update(created_at=when)


def seed_content(
    *,
    group: Group,
    staff: list[User],
    members: list[User],
    subgroups: dict[str, SubGroup],
    knitter: User,
) -> None:
    """Create the demo content once (skipped when the group already has posts)."""
    if Post.objects.filter(group=group).exists():
        return
    rng = random.Random(341)
    now = timezone.now()
    admin = staff[0]
    writers = staff[:2]

    welcome = post_services.post_create(
        actor=admin, group=group, body=WELCOME, theme="sammen", pinned=True
    )
    _at(Post, welcome.pk, now - timedelta(days=21))

    timeline: list[Post] = []
    for i, (theme, text) in enumerate(STAFF_POSTS):
        when = now - timedelta(days=20 - i * 2, hours=rng.randint(0, 6))
        post = post_services.post_create(
            actor=writers[i % len(writers)], group=group, body=text, theme=theme
        )
        _at(Post, post.pk, when)
        timeline.append(post)
    for i, (theme, text, kind) in enumerate(MEMBER_POSTS):
        author = knitter if kind == "knit" else members[(i * 5) % len(members)]
        photos = [PhotoUpload(_picture(kind, rng), ALT[kind])] if kind else []
        post = post_services.post_create(
            actor=author, group=group, body=text, theme=theme, photos=photos
        )
        _at(Post, post.pk, now - timedelta(days=17 - i * 3, hours=rng.randint(1, 9)))
        timeline.append(post)

    everyone = staff + members
    kinds = [ReactionKind.LIKE] * 5 + [ReactionKind.LOVE] * 3 + [ReactionKind.HUG, ReactionKind.WOW]
    for post in [welcome, *timeline]:
        post.refresh_from_db()
        for person in rng.sample(everyone, rng.randint(4, 14)):
            post_services.reaction_set(actor=person, post=post, kind=rng.choice(kinds))
        for _ in range(rng.randint(1, 5)):
            person = rng.choice(members)
            comment = post_services.comment_create(
                actor=person, post=post, body=rng.choice(COMMENTS)
            )
            _at(Comment, comment.pk, post.created_at + timedelta(hours=rng.randint(1, 30)))
            if rng.random() < 0.4 and post.author is not None:
                reply = post_services.comment_create(
                    actor=post.author, post=post, body=rng.choice(REPLIES), parent_id=comment.pk
                )
                _at(Comment, reply.pk, post.created_at + timedelta(hours=rng.randint(31, 40)))
            if rng.random() < 0.5:
                post_services.reaction_set(
                    actor=rng.choice(everyone), post=post, comment=comment, kind=ReactionKind.LIKE
                )

    strik = subgroups.get("strikkeklubben")
    if strik is not None:
        p = post_services.post_create(
            actor=knitter,
            group=group,
            subgroup=strik,
            body="Er der nogen, der har et godt mønster til en hue til et barnebarn på 3 år?",
            theme="meningsfuld",
        )
        _at(Post, p.pk, now - timedelta(days=3))
        facilitator = strik.facilitator or staff[1]
        post_services.comment_create(
            actor=facilitator,
            post=p,
            body="Ja! Prøv *Lilles første hue* – jeg tager opskriften med på tirsdag.",
        )
    # The live event log starts here: nothing from the seeding needs replaying.
    FeedEvent.objects.filter(group=group).delete()
    # With its events gone, the group's last event id can repeat an earlier
    # one: a new generation keeps readers from cached pages of before.
    transaction.on_commit(partial(group_changed, group.pk))
