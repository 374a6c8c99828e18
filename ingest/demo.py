"""Seeded synthetic history for ``python -m ingest demo``: posts plus the account registry.

What is modelled, and why (so the dashboard has something honest to show):

* **Threads, not loose posts.** Four kinds of thread: a member of the public asks a question
  (pain, preparation, appointments, results, recall, radiation/pregnancy, MRI safety, contrast,
  eligibility, other); the public posts something that is not a question (venting, thanks,
  news); a trust account announces something (screening van, new scanner, recruitment); staff
  chat among themselves (journal club, HCPC CPD audit, conferences). Replies keep the thread's
  platform and root, and are always later than what they answer.
* **Response times** are log-normal (minutes to days) with a per-trust median; personal staff
  accounts answer more slowly at night and at weekends; organisation accounts mostly answer in
  office hours (UK local time, Mon–Fri 9–5). Some questions are never answered, and answers
  that would fall after ``end`` are cut off, so recent questions are open (censored).
* **Fictional trusts.** The 48 trusts are invented (``ingest/demo_trusts.csv``: names such as
  "Larkmoor Imaging NHS Trust", codes ZZ101–ZZ148 that no ODS organisation has), placed in the
  real NHS regions and nations, and added to the reference data marked ``fictional``: no
  invented policy, outcome or flag ever appears under a real organisation's name.
* **Trusts differ**: activity (a few busy trusts, many quiet ones) and a responsiveness style
  (responsive / average / slow) that sets answer rate, speed, how much staff engage
  personally, and CPD chatter. About 1–2% of staff posts breach guidance (identifiable patient
  details, individual clinical advice, moving to private messages, incivility, offensive
  remarks, scan screenshots); hard negatives ("bay 4 has our new scanner") are mixed in.
* **Local policies and what they do** (:func:`policies`). Each trust has a local policy whose
  clauses (patient engagement, personal use in working hours, approved accounts only, a
  disclaimer, a response target, staffed hours) are drawn independently of one another and of
  the trust's style; some trusts change version mid-history (target, hours, disclaimer). The
  effect of the clauses on outcomes is a parameter (``policy_effect``, :mod:`store.demo_effects`):
  ``none`` plants none, ``default`` plants two (engagement encouraged: +15 points answered;
  personal use permitted: twice the breaches). So the Policy comparison page can be checked
  against what was planted.
* **Automatic replies.** About a third of the trusts send an out-of-hours autoresponder within
  seconds to questions asked outside Mon–Fri 9–5: half from an account the registry marks
  ``automated``, half from their main account (the same words every time). They acknowledge;
  the real answer still comes later (DESIGN.md "Episode and response time").
* **Time**: two years before ``end``; daily and weekly seasonality, a gentle upward trend,
  Breast Cancer Awareness Month (October), World Radiography Day (8 November) and two
  news-driven spikes. Times are drawn on the UK wall clock and stored in UTC.

Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed order, so the same
``(n_posts, seed, end)`` gives byte-identical output. Phrase banks are in :mod:`ingest.demo_text`.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest import demo_text as T
from ingest.demo_text import (ACK, ANN, ANNC, ANS, BS, CPD, CPDR, FB, FU, MA, NQ, NQR_ORG, NQR_PUB, ORG, PR,
                               PUBLIC, QA, RD, STAFF, TH, Q, X, render_text)
from ingest.demo_policies import DAYS, clauses, pick_trusts, policies
from store.demo_effects import DEFAULT, POLICY_EFFECTS

POST_COLUMNS = ["platform", "post_id", "parent_id", "thread_id", "author_id", "author_name", "author_bio",
                "author_location", "created_at", "text", "url", "source", "trust_code"]
PLATFORMS = ["x", "facebook", "mastodon", "bluesky", "reddit"]
ROLE_NAMES = {STAFF: "professional", ORG: "organisation"}


# Platform mixes and behaviour.
PUBLIC_PLATFORM_P = [0.37, 0.47, 0.04, 0.07, 0.05]
ATTRIBUTED_P = np.array([0.93, 0.99, 0.7, 0.7, 0.2])      # share of public threads on a trust's channel
PLATFORM_ANSWER = np.array([0.95, 1.0, 0.8, 0.8, 0.6])    # answer-rate factor by platform
# Responsiveness styles: responsive, average, slow (a trait of the trust, not of its policy).
STYLE_P = [0.35, 0.4, 0.25]
STYLE_ANSWER = np.array([0.74, 0.64, 0.54])   # + the planted engagement effect: at most 0.89 before noise
STYLE_MEDIAN_MIN = np.array([35.0, 180.0, 700.0])
STYLE_ORG_SHARE = np.array([0.45, 0.6, 0.9])
STYLE_CPD = np.array([1.6, 1.0, 0.5])
# Out-of-hours autoresponders: which trusts have one, and how it is sent.
AUTORESPONDER_P = 0.35
AUTORESPONDER_REGISTERED_P = 0.5   # from an "out of hours" account the registry marks automated
AUTORESPONDER_FIRES_P = 0.9
# Thread mix: kind -> share of threads.
THREAD_SHARE = {"question": 0.6, "statement": 0.09, "announcement": 0.15, "cpd": 0.16}
MEAN_THREAD_SIZE = 2.0

HOUR_PROFILE = {
    "public": [2, 1, .6, .4, .4, .6, 1.5, 3, 4.5, 5.5, 5.5, 5, 5, 4.8, 4.5, 4.5, 4.5, 4.8, 5.5, 6.5, 7, 6.5, 5, 3.5],
    "org": [0, 0, 0, 0, 0, 0, .2, 1, 5, 6, 6, 5, 4, 5, 5, 4, 3, 1, .5, .3, .2, .1, 0, 0],
    "cpd": [.5, .3, .1, .1, .1, .2, .8, 1.5, 1.5, 1, 1, 1.5, 3, 2.5, 1, 1, 1.2, 2, 3, 3.5, 4.5, 3.5, 2, 1],
}
WEEKDAY_PROFILE = {"public": [1.15, 1.1, 1.05, 1.0, 0.9, 0.65, 0.7], "org": [1, 1, 1, 1, 0.9, 0.12, 0.08],
                   "cpd": [1, 1, 1, 1, 1, 0.5, 0.6]}


@dataclass
class DemoData:
    posts: pa.Table            # POST_COLUMNS, all strings, one row per post
    accounts: pd.DataFrame     # platform, author_id, role, trust_code, title, automated
    trusts: pd.DataFrame       # the fictional trusts: ods_code, name, region_code, nation, town, ...
    policies: list[dict]       # their local-policy register (ingest.policies fields), one dict a version
    policy_effect: str         # what the policies were made to do (store.demo_effects)
    planted: pd.DataFrame | None = None  # the planted truth (:func:`planted`)


def generate(n_posts: int = 150_000, seed: int = 7, end: datetime | None = None, progress=None,
             policy_effect: str = DEFAULT) -> DemoData:
    """Generate ``n_posts`` posts over the two years before ``end`` (default: today 00:00 UTC),
    with the local-policy effects ``policy_effect`` (``none`` or ``default``) planted. The same
    seed gives the same trusts, accounts and policies whatever the effect."""
    if policy_effect not in POLICY_EFFECTS:
        raise ValueError(f"policy_effect must be one of {', '.join(POLICY_EFFECTS)}, not {policy_effect!r}")
    say = progress or (lambda fraction, message: None)
    if end is None:
        end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    elif end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    end_s = int(end.timestamp())
    rng = np.random.default_rng(seed)
    say(0.0, "choosing trusts and accounts")
    world = _World(rng, pick_trusts(), max(n_posts, 1), POLICY_EFFECTS[policy_effect])
    clock = _Clock(rng, end_s)
    say(0.15, "simulating threads")
    rows, batch = _Rows(), int(n_posts * 1.12 / MEAN_THREAD_SIZE) + 150
    while True:
        _simulate(rows, world, clock, rng, batch)
        r = rows.arrays()
        chosen = _choose(r, clock, rng, n_posts)
        if chosen is not None:
            break
        batch = batch // 4 + 100
    say(0.45, "writing text")
    final = _final(r, chosen)
    posts = _table(final, world, rng)
    say(1.0, f"generated {posts.num_rows} posts")
    return DemoData(posts=posts, accounts=world.accounts, trusts=world.trusts,
                    policies=policies(world, clock), policy_effect=policy_effect, planted=planted(final, posts))


def _literal(template: str) -> str:
    """The longest fixed part of a breach template (between its ``{placeholders}``), lower case."""
    return max(re.split(r"\{[^}]*\}", template), key=len).strip().lower()


def planted(f, posts: pa.Table) -> pd.DataFrame:
    """What the generator planted, per post, for the posts where it is not "nothing": platform,
    post_id, ``families`` (the guideline families a staff breach was written to breach,
    comma-separated; ``demo_text.BREACH_*_FAMILIES``) and ``patient_question`` (1 for a member
    of the public's question: a thread's opening question, or one asked under an announcement).
    The demo's simulated review history (``python -m warehouse demo-reviews``) judges against it."""
    text = posts.column("text").to_pylist()
    keys = [(_literal(t), fam) for bank, fams in ((T.BREACH_ANSWERS, T.BREACH_ANSWER_FAMILIES),
                                                   (T.BREACH_POSTS, T.BREACH_POST_FAMILIES))
            for t, fam in zip(bank, fams)]
    breach = np.flatnonzero(np.isin(f["kind"], [ANS, CPD]) & (f["flag"] > 0))
    families = np.full(len(text), "", dtype=object)
    for i in breach.tolist():
        low = text[i].lower()
        families[i] = ",".join(sorted({fam for key, fam in keys if key in low}))
    question = np.isin(f["kind"], [Q, QA])
    keep = np.flatnonzero((families != "") | question)
    return pd.DataFrame({"platform": posts.column("platform").to_numpy(zero_copy_only=False)[keep],
                         "post_id": posts.column("post_id").to_numpy(zero_copy_only=False)[keep],
                         "families": families[keep], "patient_question": question[keep].astype(int)})


class _World:
    """Trusts with their behaviour, the staff and organisation accounts, and the public."""

    def __init__(self, rng, trusts: pd.DataFrame, n_posts: int, effect):
        self.trusts, nt = trusts, len(trusts)
        activity = np.exp(rng.normal(0, 0.8, nt))
        self.weight = activity / activity.sum()
        style = rng.choice(3, nt, p=STYLE_P)
        self.style = style
        self.clauses = clauses(rng, nt)
        encouraged = self.clauses["engagement"] == 0
        self.answer_rate = np.clip(STYLE_ANSWER[style] + rng.normal(0, 0.05, nt), 0.35, 0.82)
        self.answer_rate = self.answer_rate + effect.answered_points * encouraged      # planted (or not)
        self.median_s = STYLE_MEDIAN_MIN[style] * 60 * np.exp(rng.normal(0, 0.4, nt))
        self.org_share = STYLE_ORG_SHARE[style]
        cpd = self.weight * STYLE_CPD[style]
        self.cpd_weight = cpd / cpd.sum()
        self.breach_p = np.clip(0.02 * np.exp(rng.normal(0, 0.5, nt)), 0.005, 0.06)
        self.breach_p = self.breach_p * np.where(self.clauses["personal_use"], effect.breach_ratio, 1.0)  # planted
        self.autoresponder = rng.random(nt) < AUTORESPONDER_P
        self.auto_registered = self.autoresponder & (rng.random(nt) < AUTORESPONDER_REGISTERED_P)
        self.auto_text = rng.integers(len(T.AUTO_REPLIES), size=nt)
        self._accounts(rng, np.clip(activity / activity.mean(), 0.3, 3.0))
        self._public(rng, n_posts)

    def _accounts(self, rng, act):
        cols = {k: [] for k in ("platform", "role", "trust", "first", "handle", "name", "bio", "loc", "title",
                                "automated")}

        def add(p, role, t, first, handle, name, bio, loc, title, automated=False):
            for k, v in zip(cols, (p, role, t, first, handle, name, bio, loc, title, automated)):
                cols[k].append(v)

        has_org = np.zeros((len(act), 5), bool)
        for t, tr in enumerate(self.trusts.itertuples()):
            org_platforms = [FB, X] + [p for p, chance in ((MA, 0.25), (BS, 0.35)) if rng.random() < chance]
            for p in org_platforms:
                prefix, suffix = T.ORG_KINDS[{FB: 0, X: 1}.get(p, 2)]
                has_org[t, p] = True
                add(p, ORG, t, "Team", tr.slug + suffix.replace(" ", ""), f"{tr.short} {suffix}",
                    T.ORG_BIO.format(unit=prefix.lower(), short=tr.short), tr.town, f"{prefix}, {tr.short}")
                if self.auto_registered[t]:  # its out-of-hours account: registered, marked automated
                    add(p, ORG, t, "Team", tr.slug + "OOH", f"{tr.short} (out of hours)",
                        T.ORG_BIO.format(unit=prefix.lower(), short=tr.short), tr.town,
                        f"{prefix}, {tr.short} (out of hours)", True)
            for p, lam in zip(range(5), (4.0, 1.5, 1.2, 1.5, 0.8)):
                for _ in range(max(1, rng.poisson(lam * act[t]))):
                    first = T.FIRST_STAFF[rng.integers(len(T.FIRST_STAFF))]
                    sur = T.SURNAMES[rng.integers(len(T.SURNAMES))]
                    title = T.STAFF_TITLES[rng.choice(len(T.STAFF_TITLES), p=T.STAFF_TITLE_WEIGHTS)]
                    name = ("Dr " if title == "Radiologist" else "") + f"{first} {sur}" + ("", "", " 🩻")[rng.integers(3)]
                    bio = T.STAFF_BIOS[rng.integers(len(T.STAFF_BIOS))].format(t=title.lower(), T=title, short=tr.short)
                    add(p, STAFF, t, first, f"{first}{sur}{rng.integers(10, 99)}".replace("'", ""), name,
                        bio if rng.random() < 0.88 else None, tr.town if rng.random() < 0.7 else None, title)
        self.has_org = has_org
        n = len(cols["role"])
        ids = np.where(np.array(cols["role"]) == ORG, "o", "s").astype(object) + (
            1000 + np.cumsum(rng.integers(1, 30, n))).astype(str).astype(object)
        automated = np.array(cols["automated"], bool)
        self.accounts = pd.DataFrame({
            "platform": [PLATFORMS[p] for p in cols["platform"]], "author_id": list(ids),
            "role": [ROLE_NAMES[r] for r in cols["role"]],
            "trust_code": list(self.trusts["ods_code"].to_numpy()[cols["trust"]]), "title": cols["title"],
            "automated": [True if a else None for a in automated],
        })
        self._acc = {k: np.array(v, dtype=object) for k, v in cols.items()}
        self._acc["id"] = ids
        # The out-of-hours account of (trust, platform), -1 where there is none.
        self.ooh = np.full((len(act), 5), -1, np.int64)
        self.ooh[np.array(cols["trust"])[automated], np.array(cols["platform"])[automated]] = np.flatnonzero(automated)
        # Lookup: accounts of one (trust, platform, role) are contiguous after a stable sort. The
        # out-of-hours accounts are filed under PUBLIC, which pick() never asks for: they only
        # ever send the autoresponder.
        roles = np.where(automated, PUBLIC, np.array(cols["role"]))
        key = (np.array(cols["trust"]) * 5 + np.array(cols["platform"])) * 3 + roles
        self.acc_order = np.argsort(key, kind="stable")
        groups = len(act) * 15
        self.grp_count = np.bincount(key, minlength=groups)
        self.grp_start = np.concatenate([[0], np.cumsum(self.grp_count)[:-1]])

    def _public(self, rng, n_posts):
        size = np.maximum(30, (np.array(PUBLIC_PLATFORM_P) * n_posts * 0.55 / 2.2).astype(int))
        n = int(size.sum())
        self.pub_start = np.concatenate([[0], np.cumsum(size)[:-1]])
        self.pub_count = size
        plat = np.repeat(np.arange(5), size)
        first = np.array(T.FIRST_PUBLIC, dtype=object)[rng.integers(len(T.FIRST_PUBLIC), size=n)]
        sur = np.array(T.SURNAMES, dtype=object)[rng.integers(len(T.SURNAMES), size=n)]
        style = rng.choice(5, n, p=[0.45, 0.15, 0.15, 0.1, 0.15])
        num = rng.integers(1, 99, n)
        flower = np.array(["🌸", "💕", "🌻", "x"], dtype=object)[rng.integers(4, size=n)]
        handle = [f"{f.lower()}{s.lower()[:4]}{k}".replace("'", "") for f, s, k in zip(first, sur, num)]
        names = [h if (st == 2 or p == RD) else (f"{f} {s}", f"{f} {s[0]}.", h, f"{f} {fl}", f)[st]
                 for f, s, h, st, p, fl in zip(first, sur, handle, style, plat, flower)]
        bios = np.array(T.PUBLIC_BIOS, dtype=object)[rng.integers(len(T.PUBLIC_BIOS), size=n)]
        locs = np.array(T.PUBLIC_LOCATIONS, dtype=object)[rng.integers(len(T.PUBLIC_LOCATIONS), size=n)]
        ids = "u" + (100000 + np.cumsum(rng.integers(1, 40, n))).astype(str).astype(object)
        a, n_acc = self._acc, len(self._acc["role"])
        self.n_accounts = n_acc

        def cat(acc, pub):
            return np.concatenate([acc, np.asarray(pub, dtype=object)])
        self.a_role = np.concatenate([a["role"].astype(int), np.zeros(n, int)])
        self.a_trust = np.concatenate([a["trust"].astype(int), np.full(n, -1)])
        self.a_first, self.a_handle = cat(a["first"], first), cat(a["handle"], handle)
        self.a_name = cat(a["name"], names)
        self.a_bio = cat(a["bio"], np.where(rng.random(n) < 0.35, bios, None))
        self.a_loc = cat(a["loc"], np.where(rng.random(n) < 0.45, locs, None))
        self.a_id = cat(a["id"], ids)

    def pick_public(self, rng, plat):
        """Public authors on ``plat``; skewed so a few people post (and ask) many times."""
        u = rng.random(len(plat)) ** 1.8
        return self.n_accounts + self.pub_start[plat] + (u * self.pub_count[plat]).astype(np.int64)

    def pick(self, rng, trust, plat, role):
        """An account of ``trust`` on ``plat`` with ``role``; organisations fall back to staff."""
        key = (trust * 5 + plat) * 3 + role
        key = np.where(self.grp_count[key] > 0, key, key - role + STAFF)
        k = self.grp_start[key] + (rng.random(len(key)) * self.grp_count[key]).astype(np.int64)
        return self.acc_order[k]


class _Clock:
    """Draws post times on the UK wall clock with daily, weekly and seasonal patterns."""

    def __init__(self, rng, end_s: int):
        self.end, self.start = end_s, end_s - DAYS * 86400
        d = np.arange(DAYS)
        days = (np.datetime64(self.start, "s") + d * np.timedelta64(86400, "s")).astype("datetime64[D]")
        weekday = (days.astype(np.int64) + 3) % 7
        month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        trend = 1 + 0.4 * d / DAYS
        october, wrd = month == 10, (month == 11) & (dom == 8)
        spikes = np.zeros(DAYS)
        for day in rng.integers(30, DAYS - 30, 2):    # news stories: a celebrity diagnosis, a letters backlog
            after = d >= day
            spikes[after] += 2.5 * np.exp(-(d[after] - day) / 3.0)
        extra = {"public": 1 + 0.5 * october + spikes, "org": 1 + 0.6 * october + 3 * wrd, "cpd": 1 + 2 * wrd}
        self.day_p = {k: _norm(trend * np.array(WEEKDAY_PROFILE[k])[weekday] * extra[k]) for k in extra}
        self.hour_p = {k: _norm(np.array(v, float)) for k, v in HOUR_PROFILE.items()}

    def sample(self, rng, n, profile):
        day = rng.choice(DAYS, n, p=self.day_p[profile])
        hour = rng.choice(24, n, p=self.hour_p[profile])
        sec = rng.integers(0, 3600, n)
        if profile == "org":                          # scheduled posts land on the hour or half hour
            sec = np.where(rng.random(n) < 0.3, (sec // 1800) * 1800, sec)
        return self.start + day * 86400 + hour * 3600 + sec


def _norm(w):
    return w / w.sum()


def _ln(rng, median, sigma, n):
    """Log-normal durations in seconds with the given median(s)."""
    return (median * np.exp(sigma * rng.standard_normal(n))).astype(np.int64)


def _office_hours(rng, t, keep_p=0.85):
    """Organisation replies: outside Mon–Fri 9–17 most wait for the next opening."""
    day, hour = t // 86400, (t % 86400) // 3600
    wd = (day + 3) % 7
    inside = (wd < 5) & (hour >= 9) & (hour < 17)
    nd = np.where((wd < 5) & (hour < 9), day, day + 1)
    nwd = (nd + 3) % 7
    nd = nd + np.where(nwd == 5, 2, np.where(nwd == 6, 1, 0))
    opening = nd * 86400 + 9 * 3600 + _ln(rng, 2400, 0.8, len(t))
    return np.where(inside | (rng.random(len(t)) > keep_p), t, opening)


def _night(rng, t):
    """Personal accounts: a reply due 23:00–07:00 usually waits until the morning."""
    day, hour = t // 86400, (t % 86400) // 3600
    night = (hour >= 23) | (hour < 7)
    morning = np.where(hour >= 23, day + 1, day) * 86400 + 7 * 3600 + _ln(rng, 5400, 0.7, len(t))
    return np.where(night & (rng.random(len(t)) < 0.75), morning, t)


class _Rows:
    """Accumulates thread slots into flat per-post integer columns; returns row numbers."""
    COLS = ("kind", "sub", "flag", "t", "plat", "author", "trust", "tt", "parent", "root")

    def __init__(self):
        self.parts, self.n = {c: [] for c in self.COLS}, 0

    def add(self, mask, root=None, **cols):
        mask = np.asarray(mask, bool)
        idx = np.full(mask.shape, -1, np.int64)
        idx[mask] = np.arange(self.n, self.n + int(mask.sum()))
        self.n += int(mask.sum())
        cols.update(root=idx if root is None else root)
        cols.setdefault("flag", 0)
        cols.setdefault("sub", 0)
        cols.setdefault("parent", -1)
        for c in self.COLS:
            self.parts[c].append(np.broadcast_to(np.asarray(cols[c], np.int64), mask.shape)[mask])
        return idx

    def arrays(self):
        return {c: np.concatenate(v) for c, v in self.parts.items()}


def _simulate(rows: _Rows, w: _World, clock: _Clock, rng, n_threads: int):
    counts = {k: int(round(n_threads * s)) for k, s in THREAD_SHARE.items()}
    _question_threads(rows, w, clock, rng, counts["question"])
    _statement_threads(rows, w, clock, rng, counts["statement"])
    _announcement_threads(rows, w, clock, rng, counts["announcement"])
    _cpd_threads(rows, w, clock, rng, counts["cpd"])


def _public_roots(w, clock, rng, n):
    t0 = clock.sample(rng, n, "public")
    trust = rng.choice(len(w.weight), n, p=w.weight)
    plat = rng.choice(5, n, p=PUBLIC_PLATFORM_P)
    attributed = rng.random(n) < ATTRIBUTED_P[plat]
    return t0, trust, plat, attributed, np.where(attributed, trust, -1), w.pick_public(rng, plat)


def _answer(w, rng, t0, trust, plat, by_org, slow=1.0):
    """Who answers and when: log-normal delay, then night/weekend/office-hours effects."""
    n = len(t0)
    author = np.where(by_org, w.pick(rng, trust, plat, ORG), w.pick(rng, trust, plat, STAFF))
    org = w.a_role[author] == ORG
    weekend = (t0 // 86400 + 3) % 7 >= 5
    median = w.median_s[trust] * slow * np.where(org, 1.5, 1.0) * np.where(weekend & ~org, 1.6, 1.0)
    t = t0 + np.clip(_ln(rng, median, 1.3, n), 120, 20 * 86400)
    t = np.where(org, _office_hours(rng, t), _night(rng, t))
    return author, np.maximum(t, t0 + 60)


def _question_threads(rows, w, clock, rng, n):
    """A public question; maybe follow-ups by the asker, a peer reply, an answer, thanks."""
    t0, trust, plat, attributed, code, asker = _public_roots(w, clock, rng, n)
    topic = rng.choice(len(T.TOPICS), n, p=_norm(np.array(T.TOPIC_WEIGHTS)))
    ask = rng.integers(0, 1 << 20, n)              # which phrasing; the answer is chosen to fit it
    q = rows.add(np.ones(n, bool), kind=Q, sub=topic, flag=ask, t=t0, plat=plat, author=asker, trust=code, tt=trust)
    answered = rng.random(n) < w.answer_rate[trust] * PLATFORM_ANSWER[plat] * np.where(attributed, 1.0, 0.6)
    by_org = attributed & w.has_org[trust, plat] & (rng.random(n) < w.org_share[trust])
    answerer, t_ans = _answer(w, rng, t0, trust, plat, by_org, np.where(attributed, 1.0, 2.0))
    slow = ~answered | (t_ans - t0 > 6 * 3600)
    t_fu = t0 + _ln(rng, 3 * 3600, 1.0, n)
    early = t0 + (t_ans - t0) * rng.uniform(0.2, 0.8, n)      # a follow-up comes before the answer
    t_fu = np.where(answered & (t_fu >= t_ans - 60), early, t_fu).astype(np.int64)
    has_fu = (rng.random(n) < np.where(slow, 0.3, 0.08)) & (t_fu - t0 >= 60) & (~answered | (t_fu < t_ans))
    rows.add(has_fu, root=q, kind=FU, sub=topic, t=t_fu, plat=plat, author=asker, trust=code, tt=trust, parent=q)
    peer = rng.random(n) < np.where(np.isin(plat, [FB, RD]), 0.28, 0.12)
    rows.add(peer, root=q, kind=PR, sub=topic, t=t0 + _ln(rng, 7200, 1.2, n) + 60, plat=plat,
             author=w.pick_public(rng, plat), trust=code, tt=trust, parent=q)
    breach = (w.a_role[answerer] == STAFF) & (rng.random(n) < w.breach_p[trust])
    a = rows.add(answered, root=q, kind=ANS, sub=topic, flag=breach, t=t_ans, plat=plat, author=answerer,
                 trust=w.a_trust[answerer], tt=trust, parent=q)
    thanks = answered & (rng.random(n) < 0.3)
    rows.add(thanks, root=q, kind=TH, sub=topic, t=t_ans + _ln(rng, 3600, 1.2, n) + 30, plat=plat, author=asker,
             trust=code, tt=trust, parent=a)
    _autoresponder(rows, w, rng, q, t0, trust, plat, attributed, code, topic)


def _outside_office_hours(t):
    """Local wall-clock times outside Mon–Fri 09:00–17:00."""
    day, hour = t // 86400, (t % 86400) // 3600
    return ~(((day + 3) % 7 < 5) & (hour >= 9) & (hour < 17))


def _autoresponder(rows, w, rng, q, t0, trust, plat, attributed, code, topic):
    """Trusts with an autoresponder acknowledge questions on their channels asked out of hours,
    2–8 s later, always in the same words: from their out-of-hours account (registered as
    automated) or from their main account. An acknowledgement, not an answer."""
    n = len(t0)
    fires = (attributed & w.has_org[trust, plat] & w.autoresponder[trust] & _outside_office_hours(t0)
             & (rng.random(n) < AUTORESPONDER_FIRES_P))
    main = w.pick(rng, trust, plat, ORG)
    author = np.where(w.ooh[trust, plat] >= 0, w.ooh[trust, plat], main)
    rows.add(fires, root=q, kind=ACK, sub=topic, t=t0 + rng.integers(2, 9, n), plat=plat, author=author,
             trust=w.a_trust[author], tt=trust, parent=q)


def _statement_threads(rows, w, clock, rng, n):
    """Public posts that are not questions (vent, thanks, news); the trust may reply."""
    t0, trust, plat, attributed, code, author = _public_roots(w, clock, rng, n)
    sub = rng.choice(3, n, p=[0.35, 0.3, 0.35])
    root = rows.add(np.ones(n, bool), kind=NQ, sub=sub, t=t0, plat=plat, author=author, trust=code, tt=trust)
    reply = attributed & w.has_org[trust, plat] & (rng.random(n) < 0.45 * w.answer_rate[trust])
    org, t_org = _answer(w, rng, t0, trust, plat, np.ones(n, bool), 2.0)
    rows.add(reply, root=root, kind=NQR_ORG, sub=sub, t=t_org, plat=plat, author=org, trust=w.a_trust[org], tt=trust,
             parent=root)
    rows.add(rng.random(n) < 0.25, root=root, kind=NQR_PUB, sub=sub, t=t0 + _ln(rng, 5400, 1.2, n) + 60, plat=plat,
             author=w.pick_public(rng, plat), trust=code, tt=trust, parent=root)


def _announcement_threads(rows, w, clock, rng, n):
    """Trust announcements; public comments, and questions the trust may answer."""
    t0 = clock.sample(rng, n, "org")
    trust = rng.choice(len(w.weight), n, p=w.weight)
    plat = rng.choice(5, n, p=[0.4, 0.55, 0.02, 0.03, 0.0])
    plat = np.where(w.has_org[trust, plat], plat, FB)
    author = w.pick(rng, trust, plat, ORG)
    root = rows.add(np.ones(n, bool), kind=ANN, t=t0, plat=plat, author=author, trust=trust, tt=trust)
    rows.add(rng.random(n) < 0.4, root=root, kind=ANNC, t=t0 + _ln(rng, 10800, 1.2, n) + 60, plat=plat,
             author=w.pick_public(rng, plat), trust=trust, tt=trust, parent=root)
    qi = rng.integers(len(T.ANNOUNCEMENT_QUESTIONS), size=n)
    topic = np.array([T.TOPICS.index(tp) for _, tp in T.ANNOUNCEMENT_QUESTIONS])[qi]
    asked = rng.random(n) < 0.22
    t_q = t0 + _ln(rng, 18000, 1.2, n) + 60
    q = rows.add(asked, root=root, kind=QA, sub=qi, t=t_q, plat=plat, author=w.pick_public(rng, plat), trust=trust,
                 tt=trust, parent=root)
    answerer, t_ans = _answer(w, rng, t_q, trust, plat, np.ones(n, bool))
    rows.add(asked & (rng.random(n) < w.answer_rate[trust]), root=root, kind=ANS, sub=topic, t=t_ans, plat=plat,
             author=answerer, trust=trust, tt=trust, parent=q)


def _cpd_threads(rows, w, clock, rng, n):
    """Professional chatter (journal club, CPD, conferences); replies from staff elsewhere."""
    t0 = clock.sample(rng, n, "cpd")
    trust = rng.choice(len(w.weight), n, p=w.cpd_weight)
    plat = rng.choice(5, n, p=[0.6, 0.05, 0.15, 0.2, 0.0])
    author = w.pick(rng, trust, plat, STAFF)
    breach = rng.random(n) < 2.5 * w.breach_p[trust]
    parent = rows.add(np.ones(n, bool), kind=CPD, flag=breach, t=t0, plat=plat, author=author, trust=trust, tt=trust)
    root, present, t = parent, np.ones(n, bool), t0
    for chance in (0.55, 0.3, 0.15):
        present = present & (rng.random(n) < chance / (1 if chance == 0.55 else 0.55))
        other = rng.choice(len(w.weight), n, p=w.cpd_weight)
        who = w.pick(rng, other, plat, STAFF)
        t = t + _ln(rng, 5400, 1.3, n) + 60
        parent = rows.add(present, root=root, kind=CPDR, t=t, plat=plat, author=who, trust=other, tt=trust,
                          parent=parent)


def _bst_offset(t_local):
    """3600 where the UK wall clock is on British Summer Time (last Sunday Mar–Oct)."""
    off = np.zeros(len(t_local), np.int64)
    lo, hi = (datetime.fromtimestamp(int(v), timezone.utc).year for v in (t_local.min(), t_local.max()))
    for y in range(lo, hi + 1):
        a, b = (_last_sunday(y, m) + h * 3600 for m, h in ((3, 1), (10, 2)))
        off[(t_local >= a) & (t_local < b)] = 3600
    return off


def _last_sunday(year, month):
    last = calendar.monthrange(year, month)[1]
    day = last - (calendar.weekday(year, month, last) + 1) % 7
    return calendar.timegm((year, month, day, 0, 0, 0))


def _choose(r, clock, rng, n_posts):
    """Convert to UTC, cut at ``end``, then pick whole threads so the total is exactly n_posts."""
    t = r["t"] - _bst_offset(r["t"]) if len(r["t"]) else r["t"]
    has_parent = r["parent"] >= 0
    gap = np.where(r["kind"] == ACK, 2, 30)      # an autoresponder is quicker than any person
    for _ in range(5):                           # the spring-forward hour may reorder a reply
        t = np.where(has_parent, np.maximum(t, t[np.maximum(r["parent"], 0)] + gap), t)
    r["t_utc"] = t
    keep = (t < clock.end) & (t[r["root"]] >= clock.start)
    size = np.bincount(r["root"][keep], minlength=len(t))
    roots = np.flatnonzero(keep & (r["root"] == np.arange(len(t))))
    order = rng.permutation(roots)
    total = np.cumsum(size[order])
    k = int(np.searchsorted(total, n_posts, side="right"))
    short = n_posts - (int(total[k - 1]) if k else 0)
    singles = order[k:][size[order[k:]] == 1][:short]
    if len(singles) < short:
        return None
    chosen = np.zeros(len(t), bool)
    chosen[order[:k]] = True
    chosen[singles] = True
    return keep & chosen[r["root"]]


def _final(r, keep):
    """Kept rows in time order, with parent/root pointers renumbered."""
    old = np.flatnonzero(keep)
    old = old[np.argsort(r["t_utc"][old], kind="stable")]
    pos = np.full(len(keep), -1, np.int64)
    pos[old] = np.arange(len(old))
    out = {c: v[old] for c, v in r.items()}
    out["parent"] = np.where(out["parent"] >= 0, pos[np.maximum(out["parent"], 0)], -1)
    out["root"] = pos[out["root"]]
    return out


def _table(f, w, rng) -> pa.Table:
    n = len(f["t"])
    post_id, url = _post_ids(f, w)
    parent = pa.array(f["parent"], mask=f["parent"] < 0)
    codes = np.append(w.trusts["ods_code"].to_numpy(dtype=object), None)
    a = f["author"]
    cols = {
        "platform": np.array(PLATFORMS, dtype=object)[f["plat"]], "post_id": post_id,
        "parent_id": post_id.take(parent), "thread_id": post_id.take(pa.array(f["root"])),
        "author_id": w.a_id[a], "author_name": w.a_name[a], "author_bio": w.a_bio[a], "author_location": w.a_loc[a],
        "created_at": pc.strftime(pa.array(f["t_utc"], pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S+00:00"),
        "text": render_text(f, w, rng), "url": url, "source": pa.repeat("demo", n), "trust_code": codes[f["trust"]],
    }
    return pa.table({c: pa.array(v, pa.string()) if isinstance(v, np.ndarray) else v for c, v in cols.items()})


def _encode(v, alphabet: str, width: int):
    """Fixed-width base-N strings of non-negative integers, vectorised."""
    v, base = np.asarray(v, np.uint64), np.uint64(len(alphabet))
    digits = np.stack([(v // base ** np.uint64(k)) % base for k in reversed(range(width))], axis=1)
    chars = np.array(list(alphabet), dtype="<U1")[digits.astype(np.int64)]
    return np.ascontiguousarray(chars).view(f"<U{width}").ravel().astype(object)


def _post_ids(f, w):
    """Platform-style ids (X snowflakes, Facebook page_post, Bluesky at-URIs, Reddit base36)
    and permalinks. Ids are unique per platform because they embed the rank on the platform."""
    n, plat, t, author = len(f["t"]), f["plat"], f["t_utc"], f["author"]
    is_root = f["root"] == np.arange(n)
    rank = np.zeros(n, np.int64)
    for p in range(5):
        rank[plat == p] = np.arange(int((plat == p).sum()))
    ids, urls, handle = np.empty(n, object), np.empty(n, object), w.a_handle[author]
    m = plat == X
    ids[m] = (((t[m] * 1000 - 1288834974657) << 22) | (rank[m] & 0x3FFFFF)).astype(str)
    urls[m] = [f"https://x.com/{h}/status/{i}" for h, i in zip(handle[m], ids[m])]
    m = plat == MA
    ids[m] = (((t[m] * 1000) << 16) | (rank[m] & 0xFFFF)).astype(str)
    inst = np.array(["mastodon.social", "med-mastodon.com", "nhs.social"], dtype=object)[w.a_role[author[m]]]
    urls[m] = [f"https://{s}/@{h}/{i}" for s, h, i in zip(inst, handle[m], ids[m])]
    m = plat == FB
    num = 10**15 + rank
    page = np.where(f["trust"] >= 0, 100_000_000_000 + f["tt"] * 7919, 200_000_000_000)    # trust page or a group
    left = np.where(is_root, page, num[f["root"]])
    ids[m] = [f"{a}_{b}" for a, b in zip(left[m].tolist(), num[m].tolist())]
    urls[m] = [f"https://www.facebook.com/{i}" for i in ids[m]]
    m = plat == BS
    b32 = "234567abcdefghijklmnopqrstuvwxyz"
    rkey = _encode(((t[m] * 1_000_000 + rank[m] % 1_000_000) << 10) | (rank[m] % 1024), b32, 13)
    mix = author[m].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    did = _encode(mix >> np.uint64(1), b32, 12) + _encode(mix % np.uint64(2**60), b32, 12)
    ids[m] = [f"at://did:plc:{d}/app.bsky.feed.post/{k}" for d, k in zip(did, rkey)]
    urls[m] = [f"https://bsky.app/profile/{h}.bsky.social/post/{k}" for h, k in zip(handle[m], rkey)]
    m = plat == RD
    b36 = _encode(2_000_000_000 + rank[m] * 13, "0123456789abcdefghijklmnopqrstuvwxyz", 7)
    full = np.empty(n, object)
    full[m] = b36
    sub = np.array(T.SUBREDDITS, dtype=object)[f["tt"][m] % len(T.SUBREDDITS)]
    ids[m] = [("t3_" if r else "t1_") + k for r, k in zip(is_root[m], b36)]
    urls[m] = [f"https://www.reddit.com/r/{s}/comments/{rk}/" + ("" if r else f"comment/{k}/")
               for s, rk, r, k in zip(sub, full[f["root"][m]], is_root[m], b36)]
    return pa.array(ids, pa.string()), urls
