"""Episodes and response times (issue #12): whose question a reply answers, automatic replies
that acknowledge without answering, replies stamped before their question, and service hours
as staffed time actually elapsed. Hand-built threads through the real import and build (real
DuckDB); the expected numbers are worked out by hand in the comments."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import responses

from ingest import jobs
from tests.support import published_queries, published_query, write_jsonl
from tests.test_connector_mastodon import ALICE, HOST, SERVER, _run, _thread, sources  # noqa: F401
from warehouse import health_queries, question_queries as qq
from warehouse.build import build
from warehouse.queries import Filters

pytestmark = pytest.mark.slow  # ingest and build per data set

UTC = timezone.utc
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)  # March: UK time is UTC
ALL = Filters(date(2025, 3, 1), date(2025, 3, 31))
HEADER = "platform,author_id,role,trust_code,title,automated\n"


def at(hour: int, minute: int = 0, second: int = 0, day: int = 0) -> str:
    return (MONDAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second)).isoformat()


def post(post_id, author, when, text, parent=None, thread=None, platform="x", trust=None):
    record = {"platform": platform, "post_id": post_id, "author_id": author, "created_at": when, "text": text}
    if parent:
        record["parent_id"] = parent
    if thread:
        record["thread_id"] = thread
    if trust:
        record["trust_code"] = trust
    return record


def load(folder, records, accounts: str, policies: str | None = None) -> None:
    jobs.import_file(write_jsonl(folder / "posts.jsonl", records))
    (folder / "accounts.csv").write_text(HEADER + accounts)
    jobs.load_accounts(folder / "accounts.csv")
    if policies:
        (folder / "policies.yaml").write_text(policies)
        jobs.load_policies(folder / "policies.yaml")
    build()


def episodes() -> dict[str, tuple]:
    """post_id -> (answered_by_post_id, response_seconds, n_questions): columns that existed
    before issue #12, so that these tests fail on the old code for the right reason."""
    rows = published_query("SELECT post_id, answered_by_post_id, response_seconds, n_questions"
                           " FROM patient_questions")
    return {r[0]: r[1:] for r in rows}


def acknowledgements() -> dict[str, tuple]:
    """post_id -> (acknowledged_by_post_id, acknowledgement_reason, answer_stamped_early)."""
    rows = published_query("SELECT post_id, acknowledged_by_post_id, acknowledgement_reason,"
                           " answer_stamped_early FROM patient_questions")
    return {r[0]: r[1:] for r in rows}


# --- whose question a reply answers -----------------------------------------------------------

WHOSE = [
    # T1, an X conversation that patient A started; patient B asks their own question in it.
    # The page answers B first, then A: each gets their own answer.
    post("t1q", "pat_a", at(10), "Can I eat before my CT scan?", trust="RR8"),
    post("t1b", "pat_b", at(10, 5), "Do they give you a gown for the MRI?", parent="t1q", thread="t1q"),
    post("t1r1", "leeds", at(10, 10), "You will be given a gown to change into, and a locker.",
         parent="t1b", thread="t1q"),
    post("t1r2", "leeds", at(10, 40), "Yes, eat normally unless your letter says to fast first.",
         parent="t1q", thread="t1q"),
    # T2, a Reddit thread: C's submission; A asks under it; B replies to A's comment with
    # their own question; a radiographer answers B only. A's question stays open.
    post("t3_t2", "pat_c", at(11, day=1), "My mammogram experience this week", platform="reddit"),
    post("t1_t2a", "pat_a2", at(11, 10, day=1), "Does the mammogram hurt much?", parent="t3_t2",
         platform="reddit"),
    post("t1_t2b", "pat_b2", at(11, 20, day=1), "Can I take paracetamol before my mammogram?",
         parent="t1_t2a", platform="reddit"),
    post("t1_t2r", "rad_jo", at(11, 30, day=1), "Taking paracetamol an hour before is fine.",
         parent="t1_t2b", platform="reddit"),
    # T3, A's X conversation: answered; A asks again under the answer; B asks under A's first
    # tweet and is answered; then A's second question is answered on its own.
    post("t3q1", "pat_a3", at(9, day=2), "How long do mammogram results take?", trust="RR8"),
    post("t3r1", "leeds", at(9, 10, day=2), "Results are posted to you within two weeks.",
         parent="t3q1", thread="t3q1"),
    post("t3q2", "pat_a3", at(9, 20, day=2), "Will my GP get a copy of the results too?",
         parent="t3r1", thread="t3q1"),
    post("t3b", "pat_b3", at(9, 25, day=2), "Is the breast screening van at Tesco this week?",
         parent="t3q1", thread="t3q1"),
    post("t3r2", "leeds", at(9, 30, day=2), "The van is at the Tesco car park until Friday.",
         parent="t3b", thread="t3q1"),
    post("t3r3", "leeds", at(9, 50, day=2), "Your GP gets a copy of the letter as well.",
         parent="t3q2", thread="t3q1"),
    # T5, a reply stamped two minutes before its question (clock skew between servers).
    post("t5q", "pat_e", at(12, day=3), "Does the contrast dye make you feel hot?", trust="RR8"),
    post("t5r", "leeds", at(11, 58, day=3), "Yes, a warm feeling for a minute is normal.",
         parent="t5q", thread="t5q"),
    post("end", "leeds", at(17, day=3), "Our new MRI scanner opens next week."),
]


@pytest.fixture(scope="module")
def whose(make_warehouse, tmp_path_factory):
    return make_warehouse("episodes-whose", lambda: load(
        tmp_path_factory.mktemp("whose"), WHOSE,
        "x,leeds,organisation,RR8,Leeds Radiology,\nreddit,rad_jo,professional,RR8,Jo,\n"))


def test_a_reply_to_another_patient_does_not_answer_the_thread_starter(whose, use_data):
    use_data(whose)
    got = episodes()
    # T1: B asked at 10:05 and was answered at 10:10; A asked at 10:00, answered at 10:40.
    # (Before issue #12 the page's reply to B answered A after 600 s.)
    assert got["t1q"][:3] == ("t1r2", 2400, 1)
    assert got["t1b"][:3] == ("t1r1", 300, 1)


def test_a_reply_in_an_askers_branch_to_someone_else_does_not_answer_them(whose, use_data):
    use_data(whose)
    got = episodes()
    assert got["t1_t2b"][:2] == ("t1_t2r", 600)
    assert got["t1_t2a"][:2] == (None, None)  # before: answered by the reply to B


def test_a_later_question_answered_separately_gets_its_own_answer(whose, use_data):
    use_data(whose)
    got = episodes()
    assert got["t3q1"][:3] == ("t3r1", 600, 1)
    assert got["t3b"][:2] == ("t3r2", 300)
    # A's second question (09:20) waits for the reply to it at 09:50, not the 09:30 reply to B
    assert got["t3q2"][:3] == ("t3r3", 1800, 1)


def test_a_reply_stamped_before_its_question_answers_it_at_zero_and_is_counted(whose, use_data):
    use_data(whose)
    assert episodes()["t5q"][0:2] == ("t5r", 0)  # before: open for ever
    flags = acknowledgements()
    assert flags["t5q"][2] is True and not any(row[2] for key, row in flags.items() if key != "t5q")
    query, close = published_queries(whose)
    try:
        figure = query(health_queries.stamped_early_answers)
    finally:
        close()
    # answered on X: t1q, t1b, t3q1, t3b, t3q2, t5q; on Reddit: t1_t2b
    assert figure.to_dict("records") == [{"platform": "reddit", "n_stamped_early": 0, "n_answered": 1},
                                         {"platform": "x", "n_stamped_early": 1, "n_answered": 6}]


# --- automatic replies ----------------------------------------------------------------------

TOPICAL = ["Can I bring someone with me to my mammogram?", "How long do mammogram results take?",
           "Does the mammogram hurt?", "Where do I park for the breast screening van?",
           "Will the contrast dye make me feel sick?", "Can I eat before my MRI scan?"]
TEMPLATE = "Thanks for getting in touch, {name}! The team will reply within 2 working days."


def _automatic_records():
    rows = [
        # registry: leeds_auto is marked automated; the real answer comes an hour later, as a
        # reply to the automatic message (its chain still leads to the asker)
        post("r1q", "pat_r", at(9), TOPICAL[0], trust="RR8"),
        post("r1a", "leeds_auto", at(9, 1), "Our office is closed. We will reply when we reopen.",
             parent="r1q", thread="r1q"),
        post("r1b", "leeds", at(10), "Yes, you are welcome to bring a friend or relative.",
             parent="r1a", thread="r1q"),
        # too fast: 88 characters 5 s after the question (nobody types 17 characters a second) ...
        post("f1q", "pat_f", at(9, day=1), TOPICAL[2], trust="RR8"),
        post("f1a", "leeds", at(9, 0, 5, day=1),
             "Thank you for contacting the breast imaging team. We aim to respond within 24 hours.",
             parent="f1q", thread="f1q"),
        # ... but a short reply that fast is a person's answer,
        post("f2q", "pat_g", at(10, day=1), TOPICAL[5], trust="RR8"),
        post("f2a", "leeds", at(10, 0, 5, day=1), "Yes you can!", parent="f2q", thread="f2q"),
        # and a long one after 30 s may be too.
        post("f3q", "pat_h", at(11, day=1), TOPICAL[4], trust="RR8"),
        post("f3a", "leeds", at(11, 0, 30, day=1),
             "Rarely: a few people feel briefly sick, so tell the radiographer if you do.",
             parent="f3q", thread="f3q"),
    ]
    # template: the same words (but the name) to six questions on six topics; four of them
    # get a real answer later
    for i, text in enumerate(TOPICAL):
        rows.append(post(f"t{i}q", f"pat_t{i}", at(9 + i, day=2), text, trust="RR8"))
        rows.append(post(f"t{i}a", "trust_care", at(9 + i, 3, day=2), TEMPLATE.format(name=f"Sam{i}"),
                         parent=f"t{i}q", thread=f"t{i}q"))
        if i < 4:
            rows.append(post(f"t{i}b", "leeds", at(9 + i, 45, day=2), f"Here is the answer to question {i}: "
                             + ["bring one person", "two weeks", "it can pinch briefly", "in the car park"][i],
                             parent=f"t{i}q", thread=f"t{i}q"))
    rows.append(post("end", "leeds", at(17, day=3), "Our new MRI scanner opens next week."))
    return rows


@pytest.fixture(scope="module")
def automatic(make_warehouse, tmp_path_factory):
    return make_warehouse("episodes-automatic", lambda: load(
        tmp_path_factory.mktemp("automatic"), _automatic_records(),
        "x,leeds,organisation,RR8,Leeds Radiology,\nx,leeds_auto,organisation,RR8,Leeds out of hours,yes\n"
        "x,trust_care,organisation,RR8,Leeds patient experience,\n"))


def test_automatic_replies_acknowledge_without_stopping_the_clock(automatic, use_data):
    use_data(automatic)
    got = episodes()
    # the registry's automated account replied after 60 s; the answer came after 3,600 s
    # (before issue #12 the autoresponder "answered" after 60 s)
    assert got["r1q"] == ("r1b", 3600, 1)
    assert got["f1q"] == (None, None, 1)  # before: answered by the autoresponder after 5 s
    assert got["f2q"] == ("f2a", 5, 1)
    assert got["f3q"] == ("f3a", 30, 1)
    for i in range(6):
        assert got[f"t{i}q"][:2] == ((f"t{i}b", 2700) if i < 4 else (None, None))
    flags = acknowledgements()
    assert flags["r1q"][:2] == ("r1a", "registry") and flags["f1q"][:2] == ("f1a", "too_fast")
    assert flags["f2q"][:2] == flags["f3q"][:2] == (None, None)
    assert [flags[f"t{i}q"][:2] for i in range(6)] == [(f"t{i}a", "template") for i in range(6)]


def test_acknowledged_counts_sit_beside_answered(automatic, use_data):
    use_data(automatic)
    query, close = published_queries(automatic)
    try:
        head = query(qq.question_headline, ALL).iloc[0]
    finally:
        close()
    # 10 questions: r1q, f1q..f3q, t0q..t5q; answered: r1q, f2q, f3q, t0q..t3q = 7;
    # acknowledged: r1q, f1q, t0q..t5q = 8
    assert (head["n_questions"], head["n_answered"], head["n_acknowledged"]) == (10, 7, 8)


def test_old_registries_without_the_automated_column_still_load(data_dir, tmp_path):
    load(tmp_path, [post("q", "pat", at(9), TOPICAL[0]), post("a", "leeds", at(9, 1), "Yes, of course.",
                                                             parent="q", thread="q")], "")
    (tmp_path / "old.csv").write_text("platform,author_id,role,trust_code,title\nx,leeds,organisation,RR8,Leeds\n")
    jobs.load_accounts(tmp_path / "old.csv")
    build()
    assert episodes()["q"][:2] == ("a", 60)


@responses.activate
@pytest.mark.parametrize("bot", [False, True])
def test_a_mastodon_account_marked_as_a_bot_only_acknowledges(sources, tmp_path, bot):  # noqa: F811
    """The real recorded status and its reply (Mastodon.py's recordings of a Mastodon 4.x
    server), served to the real connector; the parent's text made a question, and the reply's
    account marked ``bot`` as Mastodon marks automated accounts."""
    path = sources(ALICE)
    parent, reply = _thread()
    parent["content"] = "<p>Can I eat before my MRI scan?</p>"
    reply["account"]["bot"] = bot
    responses.get(f"{SERVER}/api/v1/accounts/lookup", json=parent["account"])
    responses.get(f"{SERVER}/api/v1/accounts/{parent['account']['id']}/statuses", json=[parent])
    responses.get(f"{SERVER}/api/v1/statuses/{parent['id']}/context", json={"ancestors": [], "descendants": [reply]})
    _run(path)
    (tmp_path / "accounts.csv").write_text(HEADER + f"mastodon,admin@{HOST},organisation,RR8,Admin,\n")
    jobs.load_accounts(tmp_path / "accounts.csv")
    build()
    (row,) = published_query("SELECT answered_by_post_id, response_seconds FROM patient_questions")
    answer = f"{HOST}:{reply['id']}"
    assert row == ((None, None) if bot else (answer, pytest.approx(0.196)))  # before: answered either way
    if bot:
        assert published_query("SELECT acknowledged_by_post_id, acknowledgement_reason FROM patient_questions") \
            == [(answer, "platform")]


# --- service hours -------------------------------------------------------------------------------

POLICIES = """
- trust_code: RR8
  policy_version: "1"
  effective_from: 2025-01-01
  personal_use_in_working_hours: permitted
  patient_engagement: encouraged
  disclaimer_required: false
  approved_accounts_only: false
  staffed_hours: "24/7"
- trust_code: RXL
  policy_version: "1"
  effective_from: 2025-01-01
  personal_use_in_working_hours: permitted
  patient_engagement: permitted
  disclaimer_required: false
  approved_accounts_only: false
  staffed_hours: "Mon-Fri 09:00-17:00"
"""


def _service_records():
    rows = []
    # Leeds (RR8), staffed 24/7: three questions answered after exactly 3 hours
    for i in range(3):
        rows.append(post(f"l{i}", f"pat_l{i}", at(9 + i), TOPICAL[i], trust="RR8"))
        rows.append(post(f"l{i}a", "leeds", at(12 + i), ["Bring one person.", "Two weeks.", "It can pinch."][i],
                         parent=f"l{i}", thread=f"l{i}"))
    # Blackpool (RXL), staffed Mon-Fri 09:00-17:00 (an 8-hour service day): one question
    # answered after 7.5 staffed hours (Monday 09:00 -> 16:30), one after 9 (Monday 09:00 ->
    # Tuesday 10:00)
    rows += [post("b0", "pat_b0", at(9), TOPICAL[3], trust="RXL"),
             post("b0a", "rad_jo", at(16, 30), "In the hospital car park.", parent="b0", thread="b0"),
             post("b1", "pat_b1", at(9), TOPICAL[4], trust="RXL"),
             post("b1a", "rad_jo", at(10, day=1), "Only rarely.", parent="b1", thread="b1"),
             post("end", "leeds", at(17, day=1), "Our new MRI scanner opens next week.")]
    return rows


@pytest.fixture(scope="module")
def service(make_warehouse, tmp_path_factory):
    return make_warehouse("episodes-service", lambda: load(
        tmp_path_factory.mktemp("service"), _service_records(),
        "x,leeds,organisation,RR8,Leeds Radiology,\nx,rad_jo,professional,RXL,Jo,\n", POLICIES))


def test_service_hours_are_staffed_time_actually_elapsed(service, use_data):
    use_data(service)
    query, close = published_queries(service)
    try:
        histogram = query(qq.response_histogram, ALL, by="trust", clock="service")
        units = query(qq.question_units, ALL, by="trust").set_index("group_code")
    finally:
        close()
    leeds = histogram[histogram["group_code"] == "RR8"]
    # a 24/7 trust's 3 hours are 3 service hours (before: rescaled to 1.25 "standard" hours)
    assert leeds[["bin_s", "events"]].values.tolist() == [[3 * 3600, 3]]
    summary = qq.km_summaries(leeds).iloc[0]
    assert summary["median_s"] == 3 * 3600
    blackpool = histogram[histogram["group_code"] == "RXL"]
    assert blackpool[["bin_s", "events"]].values.tolist() == [[27_000, 1], [32_400, 1]]
    # "within 1 service day" is each trust's own staffed day: 24 h for Leeds, 8 h for Blackpool
    assert (units.loc["RR8", "n_answered_service_day"], units.loc["RXL", "n_answered_service_day"]) == (3, 1)
    query, close = published_queries(service)
    try:
        days = query(qq.response_histogram, ALL, by="trust", clock="service_days")
    finally:
        close()
    (pooled,) = qq.km_summaries(days.assign(group_code="all", group_name="All", region_name=None),
                                within_s=qq.SERVICE_DAY_WITHIN).to_dict("records")
    assert pooled[f"p_{qq.SERVICE_DAY_WITHIN[0]}"] == pytest.approx(4 / 5)


def test_the_schedule_each_trust_had_is_listed(service, use_data):
    use_data(service)
    query, close = published_queries(service)
    try:
        schedules = query(qq.trust_schedules, ALL)
    finally:
        close()
    # by trust name: Blackpool, then Leeds
    assert schedules[["trust_code", "policy_version", "staffed_hours", "service_day_seconds"]].values.tolist() == [
        ["RXL", "1", "Mon-Fri 09:00-17:00", 28_800], ["RR8", "1", "24/7", 86_400]]
    assert [d.date() for d in schedules["effective_from"]] == [date(2025, 1, 1)] * 2
    assert schedules["effective_to"].isna().all()
    assert schedules["trust_name"].str.startswith(("BLACKPOOL", "LEEDS")).all()
