"""One search across everything, with who may see what applied in the SQL itself (so neither the
results nor the counts ever include a hidden story, a hidden comment's words, a survey comment or
a deactivated person for someone who may not see them).

What people type is parsed once (words, "quoted phrases", -exclusions) and handed to the
database's own full-text search: PostgreSQL's ``websearch_to_tsquery`` over a weighted
``tsvector`` (English stemming, Spanish for Spanish survey answers), with ``pg_trgm`` word
similarity on titles when nothing matches (typos); SQLite's FTS5 with the Porter stemmer.
Relevance (titles weigh more than bodies) is scaled by the kind (work items before talk about
them) and by age (a match from last month before one from three years ago)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.sql.elements import ColumnElement

from teams_app.extensions import db
from teams_app.models import (
    Audience,
    Department,
    DocKind,
    SearchDocument,
    SurveyOwner,
    Team,
    User,
    utcnow,
)
from teams_app.pagination import Page

PER_PAGE = 20
MAX_QUERY = 200
SUGGESTIONS = 6
START, STOP = "\ue000", "\ue001"  # highlight markers: escaped text in between becomes <mark>
# Work items first when two match alike; people rank by name alone, so high too.
KIND_WEIGHT = {
    DocKind.BARRIER.value: 1.0,
    DocKind.PERSON.value: 0.9,
    DocKind.INITIATIVE.value: 0.85,
    DocKind.TEAM.value: 0.8,
    DocKind.ACTION.value: 0.75,
    DocKind.STORY.value: 0.7,
    DocKind.COMMENT.value: 0.55,
    DocKind.SURVEY_COMMENT.value: 0.55,
}
HALF_LIFE_DAYS = 365.0  # a match a year old counts half as much as one from today
# Words FTS5 would otherwise require (it has no stop words); PostgreSQL drops these itself.
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
    }
)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    negated: bool = False


def parse(text: str) -> list[Term]:
    """Words, "quoted phrases" and -exclusions, as a web search box takes them."""
    terms: list[Term] = []
    for m in _TOKEN.finditer(text[:MAX_QUERY]):
        negated = bool(m.group(1) or m.group(3))
        words = tuple(w.lower() for w in _WORD.findall(m.group(2) or m.group(4) or ""))
        if not words:
            continue
        if m.group(4) is not None and len(words) > 1:  # "holds-shelf" is two words, not a phrase
            terms.extend(Term((w,), negated) for w in words)
        else:
            terms.append(Term(words, negated))
    return terms


@dataclass
class Filters:
    kind: str | None = None
    team_id: int | None = None
    department_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def active(self) -> bool:
        return any(v is not None for v in vars(self).values())


@dataclass
class Hit:
    kind: str
    id: int
    title: Markup
    excerpt: Markup
    path: str
    at: datetime
    score: float

    @property
    def kind_label(self) -> str:
        return DocKind(self.kind).noun

    @property
    def group_label(self) -> str:
        return DocKind(self.kind).label


@dataclass
class Facet:
    id: int | str
    label: str
    count: int


@dataclass
class Results:
    text: str
    page: int = 1
    per_page: int = PER_PAGE
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    kinds: list[Facet] = field(default_factory=list)
    teams: list[Facet] = field(default_factory=list)
    departments: list[Facet] = field(default_factory=list)
    close_matches: bool = False  # nothing matched as typed: these are titles spelled alike
    problem: str | None = None  # why nothing could be searched for

    @property
    def pager(self) -> Page[Hit]:
        return Page(self.hits, self.page, self.per_page, self.total)

    @property
    def groups(self) -> list[tuple[str, list[Hit]]]:
        """This page's hits grouped by kind, each group where its best hit ranks."""
        groups: dict[str, list[Hit]] = {}
        for hit in self.hits:
            groups.setdefault(hit.kind, []).append(hit)
        return list(groups.items())

    @property
    def ordered(self) -> list[Hit]:
        return [hit for _kind, hits in self.groups for hit in hits]


def marked(text: str | None) -> Markup:
    """Escaped text with the database's highlight markers turned into ``<mark>``."""
    safe = str(escape(text or ""))
    return Markup(safe.replace(START, "<mark>").replace(STOP, "</mark>"))


# --- Who may find what ---------------------------------------------------------------------------


def visible_to(viewer: User) -> ColumnElement[bool]:
    """Leadership finds everything indexed; others what is for everyone, restricted documents
    they own (their hidden story or comment) and the comments of surveys they own."""
    if viewer.is_leadership:
        return true()
    d = SearchDocument
    owned_surveys = select(SurveyOwner.survey_id).where(SurveyOwner.user_id == viewer.id)
    return or_(
        d.audience == Audience.ALL.value,
        and_(d.audience == Audience.RESTRICTED.value, d.owner_id == viewer.id),
        and_(d.audience == Audience.SURVEY.value, d.survey_id.in_(owned_surveys)),
    )


def _filtered(f: Filters, with_kind: bool = True) -> list[ColumnElement[bool]]:
    d = SearchDocument
    where: list[ColumnElement[bool]] = []
    if with_kind and f.kind:
        where.append(d.kind == f.kind)
    if f.team_id:
        where.append(d.team_id == f.team_id)
    if f.department_id:
        where.append(d.department_id == f.department_id)
    if f.date_from:
        where.append(d.at >= datetime.combine(f.date_from, time.min, UTC))
    if f.date_to:
        where.append(d.at < datetime.combine(f.date_to + timedelta(days=1), time.min, UTC))
    return where


# --- The two databases ---------------------------------------------------------------------------


class _Sqlite:
    fts = table("search_fts")

    def __init__(self, terms: list[Term], prefix: bool = False) -> None:
        self.expression = _fts5(terms, prefix)

    def ready(self) -> bool:
        return self.expression is not None

    def source(self) -> Any:
        return self.fts.join(
            SearchDocument, SearchDocument.id == literal_column("search_fts.rowid")
        )

    def match(self) -> ColumnElement[bool]:
        return literal_column("search_fts").op("MATCH")(self.expression)

    def relevance(self) -> ColumnElement[float]:
        # bm25 is lower for better matches; titles count ten times the body.
        return -func.bm25(literal_column("search_fts"), 10.0, 1.0)

    def age_days(self) -> ColumnElement[float]:
        return func.julianday(utcnow().strftime("%Y-%m-%d %H:%M:%S")) - func.julianday(
            func.substr(SearchDocument.at, 1, 19)
        )

    def title(self) -> ColumnElement[str]:
        return func.highlight(literal_column("search_fts"), 0, START, STOP)

    def excerpt(self) -> ColumnElement[str]:
        return func.snippet(literal_column("search_fts"), 1, START, STOP, "…", 24)


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts5(terms: list[Term], prefix: bool) -> str | None:
    """An FTS5 expression: every wanted word or phrase, then NOT each excluded one. Stop words are
    dropped outside phrases (FTS5 would require them); with ``prefix`` the last word may be the
    start of one (typeahead)."""
    wanted = [t for t in terms if not t.negated]
    if wanted and not (prefix and len(wanted[-1].words) == 1):
        wanted = [t for t in wanted if len(t.words) > 1 or t.words[0] not in STOP_WORDS] or wanted
    if not wanted:
        return None
    parts = [_quote(" ".join(t.words)) for t in wanted]
    if prefix and len(wanted[-1].words) == 1:
        parts[-1] += "*"
    expression = "(" + " ".join(parts) + ")"
    for t in terms:
        if t.negated:
            expression = f"({expression} NOT {_quote(' '.join(t.words))})"
    return expression


class _Postgres:
    def __init__(self, text: str, terms: list[Term], prefix: bool = False) -> None:
        self.terms = terms
        wanted = [t for t in terms if not t.negated]
        self._ready = bool(wanted)
        if prefix and wanted and len(wanted[-1].words) == 1:
            # to_tsquery with the last word as a prefix; the words are \w+ only, so safe there.
            parts = [" <-> ".join(t.words) for t in wanted[:-1]] + [wanted[-1].words[0] + ":*"]
            parts += ["!(" + " <-> ".join(t.words) + ")" for t in terms if t.negated]
            query_text = " & ".join(parts)
            self.q_en = func.to_tsquery(literal("english").cast(_regconfig()), query_text)
            self.q_es = func.to_tsquery(literal("spanish").cast(_regconfig()), query_text)
        else:
            self.q_en = func.websearch_to_tsquery(literal("english").cast(_regconfig()), text)
            self.q_es = func.websearch_to_tsquery(literal("spanish").cast(_regconfig()), text)

    def ready(self) -> bool:
        return self._ready

    @staticmethod
    def tsv() -> Any:
        return literal_column("search_documents.tsv")

    def source(self) -> Any:
        return SearchDocument.__table__

    def match(self) -> ColumnElement[bool]:
        tsv = self.tsv()
        return or_(
            tsv.op("@@")(self.q_en),
            and_(SearchDocument.language == "spanish", tsv.op("@@")(self.q_es)),
        )

    def relevance(self) -> ColumnElement[float]:
        query = case((SearchDocument.language == "spanish", self.q_es), else_=self.q_en)
        return func.ts_rank(self.tsv(), query) * 100

    def age_days(self) -> ColumnElement[float]:
        return cast(func.extract("epoch", func.now() - SearchDocument.at) / 86400.0, Float)

    def _headline(self, column: Any, options: str) -> ColumnElement[str]:
        config = case(
            (SearchDocument.language == "spanish", literal("spanish").cast(_regconfig())),
            else_=literal("english").cast(_regconfig()),
        )
        query = case((SearchDocument.language == "spanish", self.q_es), else_=self.q_en)
        return func.ts_headline(
            config, column, query, f"StartSel={START}, StopSel={STOP}, {options}"
        )

    def title(self) -> ColumnElement[str]:
        return self._headline(SearchDocument.title, "HighlightAll=true")

    def excerpt(self) -> ColumnElement[str]:
        return self._headline(
            SearchDocument.body, "MaxWords=28, MinWords=12, MaxFragments=2, FragmentDelimiter=…"
        )


def _regconfig() -> Any:
    return REGCONFIG()


def _backend(text: str, terms: list[Term], prefix: bool = False) -> _Sqlite | _Postgres:
    if db.session.get_bind().dialect.name == "postgresql":
        return _Postgres(text, terms, prefix)
    return _Sqlite(terms, prefix)


def _score(backend: _Sqlite | _Postgres) -> ColumnElement[Any]:
    weight = case(*[(SearchDocument.kind == k, w) for k, w in KIND_WEIGHT.items()], else_=0.5)
    larger = func.greatest if isinstance(backend, _Postgres) else func.max  # two-argument max
    decay = 1.0 + larger(backend.age_days(), 0.0) / HALF_LIFE_DAYS
    return (backend.relevance() * weight / decay).label("score")


# --- Searching -----------------------------------------------------------------------------------


def search(
    viewer: User, text: str, filters: Filters | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Results:
    """A page of what ``viewer`` may find, best first, with counts by kind, team and department
    (two statements; two more when nothing matched and close spellings are tried)."""
    f = filters or Filters()
    text = " ".join(text.split())[:MAX_QUERY]
    results = Results(text=text, page=max(1, page), per_page=per_page)
    terms = parse(text)
    if not text:
        return results
    backend = _backend(text, terms)
    if not backend.ready():
        results.problem = "Add a word to search for: a search of only -exclusions finds nothing."
        return results
    base = [backend.match(), visible_to(viewer)]
    _count(results, backend, base, f)
    if results.total == 0 and not f.active() and isinstance(backend, _Postgres):
        _close_matches(results, viewer, text)
        return results
    score = _score(backend)
    d = SearchDocument
    ranked = (
        select(d.id, score)
        .select_from(backend.source())
        .where(*base, *_filtered(f))
        .order_by(score.desc(), d.id.desc())
        .limit(per_page)
        .offset((results.page - 1) * per_page)
    )
    shown = [
        d.kind,
        d.object_id,
        backend.title().label("title_hl"),
        backend.excerpt().label("excerpt"),
        d.path,
        d.context,
        d.at,
    ]
    if isinstance(backend, _Postgres):
        # Headlines are costly: made for this page's rows only.
        page_ids = ranked.subquery()
        stmt = (
            select(*shown, page_ids.c.score)
            .join(page_ids, page_ids.c.id == d.id)
            .order_by(page_ids.c.score.desc(), d.id.desc())
        )
    else:
        stmt = ranked.add_columns(*shown)
    results.hits = [_hit(row) for row in db.session.execute(stmt)]
    return results


def _hit(row: Any) -> Hit:
    return Hit(
        kind=row.kind,
        id=row.object_id,
        title=Markup(escape(row.context)) if row.context else marked(row.title_hl),
        excerpt=marked(row.excerpt),
        path=row.path,
        at=row.at,
        score=round(float(row.score or 0), 4),
    )


def _count(results: Results, backend: _Sqlite | _Postgres, base: list[Any], f: Filters) -> None:
    """Counts by kind (all kinds, whatever the kind filter: they are the kind tabs), and the
    teams and departments most found (with the kind filter), in one statement."""
    d = SearchDocument
    source = backend.source()
    by_kind = (
        select(
            literal("kind").label("facet"),
            d.kind.label("key"),
            literal(None).label("label"),
            func.count().label("n"),
        )
        .select_from(source)
        .where(*base, *_filtered(f, with_kind=False))
        .group_by(d.kind)
    )
    by_team = (
        select(literal("team"), cast(d.team_id, db.String), Team.name, func.count())
        .select_from(source)
        .join(Team, Team.id == d.team_id)
        .where(*base, *_filtered(f))
        .group_by(d.team_id, Team.name)
    )
    by_department = (
        select(
            literal("department"), cast(d.department_id, db.String), Department.name, func.count()
        )
        .select_from(source)
        .join(Department, Department.id == d.department_id)
        .where(*base, *_filtered(f))
        .group_by(d.department_id, Department.name)
    )
    rows = db.session.execute(union_all(by_kind, by_team, by_department)).all()
    order = [k.value for k in DocKind]
    kinds = {r.key: r.n for r in rows if r.facet == "kind"}
    results.kinds = [Facet(k, DocKind(k).label, kinds[k]) for k in order if k in kinds]
    results.total = kinds.get(f.kind, 0) if f.kind else sum(kinds.values())

    def top(facet: str) -> list[Facet]:
        found = [Facet(int(r.key), r.label, r.n) for r in rows if r.facet == facet]
        return sorted(found, key=lambda x: (-x.count, x.label))[:12]

    results.teams = top("team")
    results.departments = top("department")


def _close_matches(results: Results, viewer: User, text: str) -> None:
    """PostgreSQL only: titles whose words are spelled like what was typed (pg_trgm)."""
    d = SearchDocument
    typed = func.lower(text)
    similarity = func.word_similarity(typed, func.lower(d.title)).label("score")
    stmt = (
        select(
            d.kind,
            d.object_id,
            d.title.label("title_hl"),
            func.left(d.body, 200).label("excerpt"),
            d.path,
            d.context,
            d.at,
            similarity,
        )
        .where(typed.op("<%")(func.lower(d.title)), visible_to(viewer))
        .order_by(similarity.desc(), d.at.desc())
        .limit(results.per_page)
    )
    results.hits = [_hit(row) for row in db.session.execute(stmt)]
    results.total = len(results.hits)
    results.close_matches = bool(results.hits)


def suggest(viewer: User, text: str, limit: int = SUGGESTIONS) -> list[Hit]:
    """The typeahead: the best few whose words start with what is typed so far (one statement,
    no excerpts)."""
    text = " ".join(text.split())[:MAX_QUERY]
    terms = parse(text)
    if not terms:
        return []
    backend = _backend(text, terms, prefix=True)
    if not backend.ready():
        return []
    score = _score(backend)
    d = SearchDocument
    stmt = (
        select(
            d.kind,
            d.object_id,
            backend.title().label("title_hl"),
            literal("").label("excerpt"),
            d.path,
            d.context,
            d.at,
            score,
        )
        .select_from(backend.source())
        .where(backend.match(), visible_to(viewer))
        .order_by(score.desc(), d.id.desc())
        .limit(limit)
    )
    return [_hit(row) for row in db.session.execute(stmt)]
