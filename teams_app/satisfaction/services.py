"""The rules of satisfaction results: leadership records one, or imports a CSV of many (every row
checked first, then all imported or none). Reading them is ``queries``; their figures, ``figures``.

Web views and the API call these. Each checks who is asking, then the input; records activity;
and commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NoReturn

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError

from teams_app import audit
from teams_app.activity import Verb, record
from teams_app.errors import Conflict, InvalidInput, NotAllowed, RowErrors
from teams_app.extensions import db
from teams_app.input_guard import MAX_ID
from teams_app.models import Department, SatisfactionResult, User
from teams_app.permissions import can
from teams_app.satisfaction.figures import check_period, metric_key, period_label, plain

METRIC_MAX = 80
SCALE_LIMIT = Decimal(10_000)
RESPONDENTS_LIMIT = MAX_ID
MAX_IMPORT_ROWS = 5_000
CSV_COLUMNS = ("period", "metric", "score", "scale_max", "respondents")
CSV_OPTIONAL = ("department", "department_id")
CSV_TEMPLATE = (
    "period,metric,score,scale_max,respondents,department\n"
    "2026-01,Customer satisfaction,3.6,5,412,\n"
    "2026-02,Customer satisfaction,3.7,5,398,\n"
)

_CENT = Decimal("0.01")


# --- Checking one result ------------------------------------------------------------------------


@dataclass
class ResultDetails:
    """One result as typed in a form, a JSON body or a CSV row: values are checked, not trusted."""

    period: Any
    metric: Any
    score: Any
    scale_max: Any
    respondents: Any
    department_id: int | None = None


@dataclass
class CheckedResult:
    period: str
    metric: str
    score: Decimal
    scale_max: Decimal
    respondents: int
    department_id: int | None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.period, metric_key(self.metric), self.department_id or 0)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip()) if value is not None else None
    except InvalidOperation:
        return None
    if number is None or not number.is_finite():
        return None
    return number


def _metric_problem(raw: object) -> tuple[str, str | None]:
    """The metric's name with its spaces tidied, and what is wrong with it (None: nothing)."""
    metric = " ".join(str(raw or "").split())
    if not metric:
        return metric, "Name the metric, such as “Customer satisfaction”."
    if len(metric) > METRIC_MAX:
        return metric, f"Use at most {METRIC_MAX} characters."
    return metric, None


def _scale_problem(raw: object) -> tuple[Decimal | None, str | None]:
    """The top of the scale (None when unusable), and what is wrong with it."""
    scale_max = _number(raw)
    if scale_max is None:
        return None, "Give the top of the scale as a number, such as 5 or 100."
    if not Decimal(0) < scale_max <= SCALE_LIMIT:
        return None, f"The top of the scale must be above 0 and at most {SCALE_LIMIT}."
    return scale_max, None


def _score_problem(raw: object, scale_max: Decimal | None) -> tuple[Decimal | None, str | None]:
    """The score, and what is wrong with it: not a number, below 0 or above the scale."""
    score = _number(raw)
    if score is None:
        return None, "Give the score as a number, such as 4.2."
    if score < 0 or (scale_max is not None and score > scale_max):
        top = plain(scale_max) if scale_max is not None else "the top of the scale"
        return score, f"The score must be between 0 and {top}."
    return score, None


def _respondents_problem(raw: object) -> tuple[Decimal | None, str | None]:
    """The number of respondents, and what is wrong with it: not whole, or out of range."""
    respondents = _number(raw)
    if respondents is None or respondents != respondents.to_integral_value():
        return respondents, "Give the number of respondents as a whole number."
    if not 0 <= respondents <= RESPONDENTS_LIMIT:
        return respondents, "The number of respondents must be 0 or more."
    return respondents, None


def _problems(d: ResultDetails) -> tuple[CheckedResult | None, dict[str, list[str]]]:
    """Every problem with ``d`` except the department's existence and duplicates (the callers
    check those against the database, one row or a whole file at a time)."""
    period = check_period(d.period)
    metric, metric_problem = _metric_problem(d.metric)
    scale_max, scale_problem = _scale_problem(d.scale_max)
    score, score_problem = _score_problem(d.score, scale_max)
    respondents, respondents_problem = _respondents_problem(d.respondents)
    found = {
        "period": None if period is not None else "Give the month as YYYY-MM, such as 2026-01.",
        "metric": metric_problem,
        "scale_max": scale_problem,
        "score": score_problem,
        "respondents": respondents_problem,
    }
    problems = {field: [message] for field, message in found.items() if message is not None}
    if problems:
        return None, problems
    assert period is not None and score is not None and scale_max is not None
    assert respondents is not None
    return CheckedResult(
        period=period,
        metric=metric,
        score=score.quantize(_CENT, rounding=ROUND_HALF_UP),
        scale_max=scale_max.quantize(_CENT, rounding=ROUND_HALF_UP),
        respondents=int(respondents),
        department_id=d.department_id or None,
    ), {}


def _describe_key(checked: CheckedResult, department: str | None) -> str:
    where = department or "organisation-wide"
    return f"{checked.metric} for {period_label(checked.period)} ({where})"


def _existing_keys(keys: set[tuple[str, str, int]]) -> set[tuple[str, str, int]]:
    """Which of ``keys`` (period, metric_key, department_key) are already recorded: one query."""
    if not keys:
        return set()
    columns = (
        SatisfactionResult.period,
        SatisfactionResult.metric_key,
        SatisfactionResult.department_key,
    )
    rows = db.session.execute(select(*columns).where(tuple_(*columns).in_(sorted(keys)))).all()
    return {(p, m, d) for p, m, d in rows}


def _known_spellings(keys: set[str]) -> dict[str, str]:
    """The first-recorded spelling of each metric, so "customer Satisfaction" joins its series
    under the name people first gave it."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(SatisfactionResult.metric_key, SatisfactionResult.metric)
        .where(SatisfactionResult.metric_key.in_(sorted(keys)))
        .order_by(SatisfactionResult.id)
    ).all()
    found: dict[str, str] = {}
    for key, metric in rows:
        found.setdefault(key, metric)
    return found


def _new_row(actor: User, c: CheckedResult) -> SatisfactionResult:
    return SatisfactionResult(
        period=c.period,
        metric=c.metric,
        metric_key=metric_key(c.metric),
        score=c.score,
        scale_max=c.scale_max,
        respondents=c.respondents,
        department_id=c.department_id,
        department_key=c.department_id or 0,
        created_by_id=actor.id,
    )


def _commit_or_conflict() -> None:
    """Someone recorded the same period, metric and department between our check and commit."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "Someone recorded the same period, metric and department meanwhile. Nothing was saved."
        ) from None


# --- Recording ----------------------------------------------------------------------------------


def record_result(actor: User, details: ResultDetails) -> SatisfactionResult:
    """Leadership records one survey result. The same period, metric and department twice is a
    conflict (409): correct figures are not silently overwritten."""
    if not can(actor, "record_satisfaction"):
        raise NotAllowed("Only leadership records satisfaction results.")
    checked, problems = _problems(details)
    department = None
    if details.department_id:
        department = db.session.get(Department, details.department_id)
        if department is None:
            problems.setdefault("department_id", []).append("There is no such department.")
    if problems or checked is None:
        first = next(iter(problems.values()))[0]
        raise InvalidInput(first, fields=problems)
    spelling = _known_spellings({checked.key[1]}).get(checked.key[1])
    checked = replace(checked, metric=spelling or checked.metric)
    if _existing_keys({checked.key}):
        raise Conflict(
            f"{_describe_key(checked, department.name if department else None)} is already "
            "recorded."
        )
    result = _new_row(actor, checked)
    db.session.add(result)
    db.session.flush()
    record(
        actor,
        Verb.RECORDED_SATISFACTION,
        result,
        metric=result.metric,
        period=result.period,
        when=period_label(result.period),
        score=plain(result.score),
        scale_max=plain(result.scale_max),
        department=department.name if department else None,
    )
    _commit_or_conflict()
    return result


# --- CSV import ---------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    checked: CheckedResult


def _header_problems(names: list[str]) -> list[dict[str, Any]]:
    """What is wrong with the header row: missing, unknown or repeated columns, or both ways of
    naming a department."""
    errors: list[dict[str, Any]] = []
    for column in CSV_COLUMNS:
        if column not in names:
            errors.append({"row": 1, "field": column, "message": "This column is missing."})
    allowed = set(CSV_COLUMNS) | set(CSV_OPTIONAL)
    for column in names:
        if column not in allowed:
            errors.append(
                {
                    "row": 1,
                    "field": column or "csv",
                    "message": "Unknown column: use period, metric, score, scale_max, "
                    "respondents and optionally department (a name) or department_id.",
                }
            )
    if "department" in names and "department_id" in names:
        errors.append(
            {
                "row": 1,
                "field": "department_id",
                "message": "Use either a department column (names) or department_id, not both.",
            }
        )
    if len(set(names)) != len(names):
        errors.append({"row": 1, "field": "csv", "message": "A column is named twice."})
    return errors


def _data_rows(
    reader: csv.DictReader[str],
) -> tuple[list[tuple[int, dict[str, str]]], list[dict[str, Any]]]:
    """The non-blank data rows with their row numbers, and the rows that cannot be read; the
    whole file is refused past ``MAX_IMPORT_ROWS``."""
    errors: list[dict[str, Any]] = []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for raw in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                return [], [
                    {
                        "row": reader.line_num,
                        "field": "csv",
                        "message": f"Import at most {MAX_IMPORT_ROWS} rows at a time.",
                    }
                ]
            extra = raw.pop(None, None)
            values = {k: (v or "").strip() for k, v in raw.items()}
            if extra is not None and any(str(v).strip() for v in extra):
                errors.append(
                    {
                        "row": reader.line_num,
                        "field": "csv",
                        "message": "This row has more values than the header has columns.",
                    }
                )
                continue
            if not any(values.values()):
                continue  # a blank spreadsheet row
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        errors.append({"row": reader.line_num, "field": "csv", "message": f"Unreadable: {exc}."})
    return rows, errors


def _read_csv(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[dict[str, Any]]]:
    """The data rows with their row numbers, or the problems with the header.

    Row numbers are what a person sees in a spreadsheet or text editor: the header is row 1 and
    the first data row is row 2 (a row is numbered by the line it ends on).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        return [], [{"row": 1, "field": "csv", "message": f"This is not readable CSV: {exc}."}]
    if not header:
        return [], [{"row": 1, "field": "csv", "message": "The file is empty."}]
    reader.fieldnames = names = [(name or "").strip().lower() for name in header]
    errors = _header_problems(names)
    if errors:
        return [], errors
    rows, errors = _data_rows(reader)
    if not rows and not errors:
        errors.append({"row": 2, "field": "csv", "message": "There are no rows to import."})
    return rows, errors


def _departments() -> tuple[dict[str, Department], dict[int, Department]]:
    everything = list(db.session.scalars(select(Department)))
    return {d.name_key: d for d in everything}, {d.id: d for d in everything}


def _department_of(
    values: dict[str, str], by_name: dict[str, Department], by_id: dict[int, Department]
) -> tuple[Department | None, tuple[str, str] | None]:
    """The row's department (None: organisation-wide), or the (field, message) of its problem."""
    if values.get("department"):
        found = by_name.get(" ".join(values["department"].split()).lower())
        if found is None:
            return None, ("department", f"There is no department named “{values['department']}”.")
        return found, None
    raw = values.get("department_id", "")
    if not raw:
        return None, None
    if not raw.isdigit() or int(raw) not in by_id:
        return None, ("department_id", f"There is no department with id {raw}.")
    return by_id[int(raw)], None


def _checked_rows(
    rows: list[tuple[int, dict[str, str]]], errors: list[dict[str, Any]]
) -> tuple[list[_Row], dict[int, str | None]]:
    """Each row checked by the rules of ``record_result`` (problems appended to ``errors``):
    the good rows, and each good row's department name (None: organisation-wide)."""
    by_name, by_id = _departments()
    good: list[_Row] = []
    names: dict[int, str | None] = {}
    for number, values in rows:
        department, dept_problem = _department_of(values, by_name, by_id)
        details = ResultDetails(
            period=values.get("period"),
            metric=values.get("metric"),
            score=values.get("score"),
            scale_max=values.get("scale_max"),
            respondents=values.get("respondents"),
            department_id=department.id if department else None,
        )
        checked, problems = _problems(details)
        for field in CSV_COLUMNS:
            for message in problems.get(field, []):
                errors.append({"row": number, "field": field, "message": message})
        if dept_problem is not None:
            errors.append({"row": number, "field": dept_problem[0], "message": dept_problem[1]})
        elif checked is not None:
            good.append(_Row(number, checked))
            names[number] = department.name if department else None
    return good, names


def _use_known_spellings(good: list[_Row]) -> None:
    """A metric already recorded keeps its spelling; a new one takes its first row's."""
    spellings = _known_spellings({r.checked.key[1] for r in good})
    for r in good:
        spelling = spellings.setdefault(r.checked.key[1], r.checked.metric)
        r.checked = replace(r.checked, metric=spelling)


def _duplicate_problems(good: list[_Row], names: dict[int, str | None]) -> list[dict[str, Any]]:
    """Rows that repeat an earlier row of the file, or a result already recorded."""
    errors: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, int], int] = {}
    existing = _existing_keys({r.checked.key for r in good})
    for r in good:
        what = _describe_key(r.checked, names[r.number])
        if r.checked.key in seen:
            message = f"Row {seen[r.checked.key]} already has {what}."
            errors.append({"row": r.number, "field": "period", "message": message})
        elif r.checked.key in existing:
            message = f"{what} is already recorded."
            errors.append({"row": r.number, "field": "period", "message": message})
        seen.setdefault(r.checked.key, r.number)
    return errors


def _refuse_import(actor: User, rows: int, errors: list[dict[str, Any]]) -> NoReturn:
    """Refuse the whole file (audited), listing every problem in row and column order."""
    errors.sort(key=lambda e: (e["row"], _field_order(e["field"])))
    bad_rows = len({e["row"] for e in errors})
    _audit_import(actor, "refused", rows=rows, bad_rows=bad_rows)
    raise RowErrors(
        f"Nothing was imported: {bad_rows} {'row has' if bad_rows == 1 else 'rows have'} "
        "problems. Correct them and import the whole file again.",
        errors,
    )


def import_csv(actor: User, text: str) -> list[SatisfactionResult]:
    """Leadership imports many results from CSV text (columns: period, metric, score,
    scale_max, respondents, and optionally department (a name) or department_id).

    Every row is checked first, against the rules of ``record_result``, against the database and
    against the other rows; then every row is imported in one transaction, or none is. A refusal
    raises ``RowErrors`` listing each problem as ``{row, field, message}``.
    """
    if not can(actor, "record_satisfaction"):
        raise NotAllowed("Only leadership imports satisfaction results.")
    rows, errors = _read_csv(text)
    good, names = _checked_rows(rows, errors)
    _use_known_spellings(good)
    errors.extend(_duplicate_problems(good, names))
    if errors:
        _refuse_import(actor, len(rows), errors)
    created = [_new_row(actor, r.checked) for r in good]
    db.session.add_all(created)
    db.session.flush()
    periods = sorted(c.period for c in created)
    record(
        actor,
        Verb.IMPORTED_SATISFACTION,
        created[0],
        count=len(created),
        metrics=", ".join(sorted({c.metric for c in created})),
        first=period_label(periods[0]),
        last=period_label(periods[-1]),
    )
    _commit_or_conflict()
    _audit_import(actor, "imported", rows=len(created))
    return created


def _audit_import(actor: User, outcome: str, **counts: int) -> None:
    audit.record(
        "csv.imported", actor=actor, table="satisfaction_results", outcome=outcome, **counts
    )


def _field_order(field: str) -> int:
    order = ("csv", *CSV_COLUMNS, *CSV_OPTIONAL)
    return order.index(field) if field in order else len(order)
