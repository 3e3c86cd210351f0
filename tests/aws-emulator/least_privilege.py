"""The least-privilege report (issue #13): each action the templates' IAM policies grant, against
the actions the test suite's calls were allowed by.

Reads

* the templates (default: ``templates/*.yaml`` and ``portfolio/portfolio.yaml``, with cfn-lint's
  loader, which understands the intrinsics): every ``AWS::IAM::Role`` with its inline
  ``Policies`` and the ``AWS::IAM::Policy`` / ``AWS::IAM::ManagedPolicy`` resources of the same
  template attached to it (their ``Roles``, the role's ``ManagedPolicyArns``), and every
  ``AWS::IAM::Policy`` / ``AWS::IAM::ManagedPolicy`` attached to no role of its template (the
  data scientists' policy, meant for roles the template does not own). Only ``Allow``
  statements grant (a ``Deny`` grants nothing); each action of one is a grant, a wildcard
  (``sagemaker:List*``) included;
* the records the emulator's sink wrote while the suite ran
  (``studio_emulator/iam/exercised.py``, ``exercised-<pid>.jsonl`` in the directory of
  ``STUDIO_EMULATOR_EXERCISED_DIR``): each allowed call with the statement that allowed it and
  the stack resource that holds that statement. A grant is exercised when a call was allowed by
  its statement with an action it matches (IAM matches actions case-insensitively, ``*`` and
  ``?`` as wildcards: IAM User Guide, "IAM JSON policy elements: Action").

Writes a markdown report and its JSON form, and fails (exit status 1) naming

* each grant never exercised whose action has no written reason in the
  ``Metadata.studio-catalog:grant-reasons`` of its role or policy resource (``{<action as the
  statement writes it>: <reason>}``);
* each stale reason: one for an action its resource does not grant, or an empty one.

With ``--open FILE`` (``tests/aws-emulator/least_privilege_open.json``, what ``scripts/test``
passes) the grants that file lists are not failures but *not yet proven*: each entry names a
grant (template, resource, statement, action) and why it is still open (``"why"``: an emulator
check that does not exist yet, a path no test takes). It is a ratchet, not a reason: an entry
whose grant is now exercised, explained or no longer granted fails the run (remove it), so the
list only shrinks; ``--write-open FILE`` writes the current unexplained grants to it (keeping
each entry's ``why``; a new entry's ``why`` is empty, which fails until someone writes it). Issue
#13 stays open while the list is not empty.

Exit status 2: the input is unusable (no record at all, an unreadable template).

Usage: ``least_privilege.py --records DIR [--open FILE] [--write-open FILE] [--markdown FILE]
[--json FILE] [--table] [TEMPLATE ...]``
(``scripts/least-privilege`` runs it with the project's virtualenv), or
``least_privilege.py --reasons-only [TEMPLATE ...]``: only the stale-reason check, from the
templates alone (``scripts/lint-templates`` step 6).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

REASONS_KEY = "studio-catalog:grant-reasons"
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_TEMPLATES = ("templates/*.yaml", "portfolio/portfolio.yaml")


class InputError(Exception):
    """The report cannot be made (exit status 2)."""


# ---------------------------------------------------------------------------------------------
# What the templates grant
# ---------------------------------------------------------------------------------------------
@dataclass
class Statement:
    """One Allow statement of a policy a role or policy resource holds."""

    holder: str  # logical id of the resource whose document it is (the role, or the policy)
    holder_type: str
    policy_name: str | None  # the inline policy's name (role Policies, AWS::IAM::Policy)
    sid: str | None
    index: int  # 1-based, in its policy document as the template writes it
    actions: list[str]
    exercised: dict[str, Counter[str]] = field(default_factory=dict)  # action -> calls

    @property
    def label(self) -> str:
        where = self.policy_name or self.holder
        if self.holder_type != "AWS::IAM::Role":
            where = f"{self.holder}" + (f" ({self.policy_name})" if self.policy_name else "")
        return f"{where} / {self.sid or f'statement {self.index}'}"


@dataclass
class Entry:
    """A role of a template with every statement it is granted from that template, or a policy
    resource attached to no role of its template."""

    template: str  # path relative to the project root
    description: str
    logical_id: str
    resource_type: str
    members: list[str]  # logical ids whose statements and reasons belong to the entry
    statements: list[Statement] = field(default_factory=list)
    reasons: dict[str, tuple[str, str]] = field(default_factory=dict)  # action -> (holder, text)


def _normalised(text: Any) -> str:
    return " ".join(str(text).split())


def _flatten(node: Any) -> list[Any]:
    """The values a list-or-intrinsic node may take (both branches of ``Fn::If``)."""
    if isinstance(node, dict) and list(node) == ["Fn::If"] and isinstance(node["Fn::If"], list):
        values: list[Any] = []
        for branch in node["Fn::If"][1:]:
            values += _flatten(branch)
        return values
    if isinstance(node, dict) and node.get("Ref") == "AWS::NoValue":
        return []
    if isinstance(node, list):
        values = []
        for item in node:
            values += _flatten(item)
        return values
    return [node]


def _refs(node: Any) -> list[str]:
    """Logical ids a ``Roles`` / ``ManagedPolicyArns`` list refers to with ``Ref``."""
    return [
        v["Ref"] for v in _flatten(node) if isinstance(v, dict) and isinstance(v.get("Ref"), str)
    ]


def _statements(document: Any, holder: str, holder_type: str, policy_name: str | None,
                where: str) -> list[Statement]:
    found = []
    if not isinstance(document, dict):
        return found
    for index, statement in enumerate(_flatten(document.get("Statement", [])), start=1):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            raise InputError(f"{where}: an Allow statement with NotAction grants every other "
                             "action; the report cannot list it (write Action)")
        actions = [str(a) for a in _flatten(statement.get("Action", [])) if isinstance(a, str)]
        sid = str(statement["Sid"]) if "Sid" in statement else None
        found.append(Statement(holder, holder_type, policy_name, sid, index, actions))
    return found


def _reasons(resource: dict[str, Any], logical_id: str, where: str) -> dict[str, tuple[str, str]]:
    metadata = resource.get("Metadata") or {}
    raw = metadata.get(REASONS_KEY) if isinstance(metadata, dict) else None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(f"{where}: Metadata.{REASONS_KEY} must map actions to reasons")
    return {str(action): (logical_id, _normalised(text or "")) for action, text in raw.items()}


def load_template(path: str) -> list[Entry]:
    from cfnlint.decode import decode

    template, problems = decode(path)
    if template is None or problems:
        raise InputError(f"{path}: cannot be read: {'; '.join(str(p) for p in problems or [])}")
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    description = _normalised(template.get("Description") or "")
    resources = template.get("Resources") or {}
    roles = {k: v for k, v in resources.items() if v.get("Type") == "AWS::IAM::Role"}
    policies = {
        k: v for k, v in resources.items()
        if v.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    }
    attached: dict[str, list[str]] = {k: [] for k in roles}  # role -> policy resources
    for logical_id, policy in policies.items():
        for role in _refs((policy.get("Properties") or {}).get("Roles", [])):
            if role in attached and logical_id not in attached[role]:
                attached[role].append(logical_id)
    for logical_id, role in roles.items():
        for arn in _refs((role.get("Properties") or {}).get("ManagedPolicyArns", [])):
            if arn in policies and arn not in attached[logical_id]:
                attached[logical_id].append(arn)

    entries = []
    for logical_id, role in roles.items():
        where = f"{rel} {logical_id}"
        entry = Entry(rel, description, logical_id, "AWS::IAM::Role",
                      [logical_id, *attached[logical_id]])
        for inline in _flatten((role.get("Properties") or {}).get("Policies", [])):
            if isinstance(inline, dict):
                name = inline.get("PolicyName")
                entry.statements += _statements(
                    inline.get("PolicyDocument"), logical_id, "AWS::IAM::Role",
                    name if isinstance(name, str) else None, where,
                )
        entry.reasons.update(_reasons(role, logical_id, where))
        for policy_id in attached[logical_id]:
            where = f"{rel} {policy_id}"
            entry.statements += _policy_statements(policies[policy_id], policy_id, where)
            entry.reasons.update(_reasons(policies[policy_id], policy_id, where))
        entries.append(entry)
    used = {p for ids in attached.values() for p in ids}
    for logical_id, policy in policies.items():
        if logical_id in used:
            continue
        where = f"{rel} {logical_id}"
        entry = Entry(rel, description, logical_id, policy["Type"], [logical_id])
        entry.statements = _policy_statements(policy, logical_id, where)
        entry.reasons = _reasons(policy, logical_id, where)
        entries.append(entry)
    return entries


def _policy_statements(policy: dict[str, Any], logical_id: str, where: str) -> list[Statement]:
    properties = policy.get("Properties") or {}
    name = properties.get("PolicyName") if policy["Type"] == "AWS::IAM::Policy" else None
    return _statements(properties.get("PolicyDocument"), logical_id, policy["Type"],
                       name if isinstance(name, str) else None, where)


# ---------------------------------------------------------------------------------------------
# What the suite exercised
# ---------------------------------------------------------------------------------------------
def action_matches(pattern: str, action: str) -> bool:
    """IAM's match of an action against a policy's action element: case-insensitive, ``*`` any
    run of characters, ``?`` one (IAM User Guide, "IAM JSON policy elements: Action")."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, action, flags=re.IGNORECASE) is not None


def read_records(sources: list[str]) -> list[dict[str, Any]]:
    files: list[str] = []
    for source in sources:
        if os.path.isdir(source):
            files += sorted(glob.glob(os.path.join(source, "exercised-*.jsonl")))
        elif os.path.isfile(source):
            files.append(source)
    records = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except ValueError:
                    # a process killed mid-line leaves a partial last line; nothing else may be bad
                    if handle.readline():
                        raise InputError(f"{path}:{number}: not a JSON line") from None
    return records


def _call(record: dict[str, Any]) -> str:
    if record.get("via"):
        return f"{record['via']} (in-process)"
    return f"{record.get('service')}:{record.get('operation')}"


def _credit(entry: Entry, grant: dict[str, Any], record: dict[str, Any]) -> bool:
    origin = grant["origin"]
    action = str(record.get("action") or "")
    if origin.get("resource_type") == "AWS::IAM::Role":
        holders = {origin.get("logical_id")}
        if origin.get("policy_logical_id"):
            holders.add(origin["policy_logical_id"])
        candidates = [
            s for s in entry.statements
            if (s.policy_name is not None and s.policy_name == grant.get("policy_name"))
            or (s.holder in holders and s.holder_type == "AWS::IAM::Policy")
        ] or [
            # a policy whose PolicyName the template computes (!Sub ...): matched by its actions
            # -- the role's own, or an AWS::IAM::Policy of the template attached to it (its
            # Roles; core.yaml's LaunchRoleRegionalCode, code-bucket-<region>), also when moto
            # no longer names that resource (policy_logical_id null)
            s for s in entry.statements if s.policy_name is None
            and (s.holder in holders or s.holder_type == "AWS::IAM::Policy")
        ]
    else:
        candidates = [s for s in entry.statements if s.holder == origin.get("logical_id")]
    matching = [s for s in candidates if any(action_matches(a, action) for a in s.actions)]
    chosen = matching
    if grant.get("sid"):
        chosen = [s for s in matching if s.sid == grant["sid"]] or matching
    elif grant.get("index"):
        chosen = [s for s in matching if s.index == grant["index"]] or matching
    for statement in chosen:
        for pattern in statement.actions:
            if action_matches(pattern, action):
                statement.exercised.setdefault(pattern, Counter())[_call(record)] += 1
    return bool(chosen)


def join(entries: list[Entry], records: list[dict[str, Any]]) -> dict[str, int]:
    """Credits each record's grants to the statements that made them; counts what was left."""
    by_template: dict[str, list[Entry]] = {}
    for entry in entries:
        by_template.setdefault(entry.description, []).append(entry)
    counts = Counter(records=len(records))
    for record in records:
        credited = False
        for grant in record.get("grants") or []:
            origin = grant.get("origin")
            if not origin or origin.get("template") is None:
                continue
            for entry in by_template.get(_normalised(origin["template"]), []):
                logical_id = origin.get("logical_id")
                if origin.get("resource_type") == "AWS::IAM::Role":
                    mine = (entry.resource_type == "AWS::IAM::Role"
                            and entry.logical_id == logical_id)
                else:
                    mine = logical_id in entry.members
                if mine:
                    credited |= _credit(entry, grant, record)
        counts["credited" if credited else "other"] += 1
    return dict(counts)


# ---------------------------------------------------------------------------------------------
# The verdict and the report
# ---------------------------------------------------------------------------------------------
@dataclass
class Row:
    template: str
    resource: str
    resource_type: str
    statement: str
    action: str
    calls: Counter[str]
    reason: str | None

    @property
    def exercised(self) -> bool:
        return bool(self.calls)


def rows(entries: list[Entry]) -> list[Row]:
    found = []
    for entry in entries:
        reasons = {k.lower(): v for k, v in entry.reasons.items()}
        for statement in entry.statements:
            for action in statement.actions:
                reason = reasons.get(action.lower())
                found.append(Row(
                    entry.template, entry.logical_id, entry.resource_type, statement.label, action,
                    statement.exercised.get(action, Counter()), reason[1] if reason else None,
                ))
    return found


def findings(
    entries: list[Entry], table: list[Row], held: frozenset[tuple[str, str, str, str]] = frozenset()
) -> list[str]:
    problems = []
    for row in table:
        if not row.exercised and not row.reason and open_key(row) not in held:
            problems.append(
                f"{row.template} {row.resource} ({row.statement}): {row.action} is granted but no "
                f"test exercised it and it has no reason in Metadata.{REASONS_KEY}"
            )
    return problems + stale_reasons(entries)


def stale_reasons(entries: list[Entry]) -> list[str]:
    """Reasons for actions their resource does not grant, and empty reasons (a check of the
    templates alone: ``scripts/lint-templates`` runs it with ``--reasons-only``)."""
    problems = []
    for entry in entries:
        granted = {a.lower() for s in entry.statements for a in s.actions}
        for action, (holder, text) in entry.reasons.items():
            if action.lower() not in granted:
                problems.append(
                    f"{entry.template} {holder}: stale reason for {action}: {entry.logical_id} "
                    "grants no such action (remove the reason, or write the action as the "
                    "statement does)"
                )
            elif not text:
                problems.append(f"{entry.template} {holder}: the reason for {action} is empty")
    return problems


def needless_reasons(table: list[Row]) -> list[str]:
    """Reasons of grants the tests did exercise (not a failure: the reason may be removed)."""
    return [
        f"{r.template} {r.resource} ({r.statement}): {r.action} is exercised; its written reason "
        "is no longer needed"
        for r in table if r.exercised and r.reason
    ]


def open_key(row: Row) -> tuple[str, str, str, str]:
    """How an entry of the not-yet-proven list names a grant."""
    return (row.template, row.resource, row.statement, row.action)


def read_open(path: str | None) -> dict[tuple[str, str, str, str], str]:
    """The not-yet-proven list: ``{(template, resource, statement, action): why}``."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            items = json.load(handle)
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: {error}") from error
    found: dict[tuple[str, str, str, str], str] = {}
    for item in items:
        try:
            key = (item["template"], item["resource"], item["statement"], item["action"])
        except (KeyError, TypeError) as error:
            raise InputError(f"{path}: an entry lacks {error} (template, resource, statement, "
                             "action, why)") from error
        found[key] = str(item.get("why") or "")
    return found


def open_findings(
    table: list[Row], known: dict[tuple[str, str, str, str], str]
) -> tuple[list[Row], list[str]]:
    """The unexplained grants the list holds (not failures), and the list's own problems: an
    entry whose grant is exercised, explained or no longer granted (remove it), or one without
    its ``why``."""
    rows_by_key = {open_key(r): r for r in table}
    held, problems = [], []
    for key, why in known.items():
        row = rows_by_key.get(key)
        name = f"{key[0]} {key[1]} ({key[2]}): {key[3]}"
        if row is None:
            problems.append(f"{name} is in the not-yet-proven list but no longer granted: remove "
                            "the entry")
        elif row.exercised or row.reason:
            problems.append(f"{name} is in the not-yet-proven list but now "
                            f"{'exercised' if row.exercised else 'explained'}: remove the entry")
        elif not why:
            problems.append(f"{name} is in the not-yet-proven list without its why")
        else:
            held.append(row)
    return held, problems


def write_open(
    path: str, table: list[Row], known: dict[tuple[str, str, str, str], str]
) -> None:
    items = [
        {"template": r.template, "resource": r.resource, "statement": r.statement,
         "action": r.action, "why": known.get(open_key(r), "")}
        for r in table if not r.exercised and not r.reason
    ]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(items, handle, indent=2)
        handle.write("\n")


def _calls_text(calls: Counter[str]) -> str:
    return ", ".join(f"{call} ×{n}" for call, n in sorted(calls.items()))


def summary(
    entries: list[Entry], table: list[Row], held: frozenset[tuple[str, str, str, str]] = frozenset()
) -> list[dict[str, Any]]:
    """Per role or policy: grants (an action of a statement), exercised, excused by a written
    reason, not yet proven (in the open list), unexplained."""
    found = []
    for entry in entries:
        mine = [r for r in table if r.template == entry.template and r.resource == entry.logical_id]
        bare = [r for r in mine if not r.exercised and not r.reason]
        found.append({
            "template": entry.template, "resource": entry.logical_id,
            "resource_type": entry.resource_type, "granted": len(mine),
            "exercised": sum(1 for r in mine if r.exercised),
            "reasoned": sum(1 for r in mine if not r.exercised and r.reason),
            "not_yet_proven": sum(1 for r in bare if open_key(r) in held),
            "unexplained": sum(1 for r in bare if open_key(r) not in held),
        })
    return found


def summary_table(
    entries: list[Entry], table: list[Row], held: frozenset[tuple[str, str, str, str]] = frozenset()
) -> str:
    lines = [
        "| template | role or policy | actions granted | exercised by the tests "
        "| with a written reason | not yet proven (open list) | unexplained |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for item in summary(entries, table, held):
        lines.append(f"| `{item['template']}` | {item['resource']} | {item['granted']} | "
                     f"{item['exercised']} | {item['reasoned']} | {item['not_yet_proven']} | "
                     f"{item['unexplained']} |")
    return "\n".join(lines)


def markdown(
    entries: list[Entry], table: list[Row], counts: dict[str, int], problems: list[str],
    known: dict[tuple[str, str, str, str], str] | None = None,
) -> str:
    known = known or {}
    held = frozenset(k for k in known if k in {open_key(r) for r in table})
    out = ["# Least-privilege report", "",
           f"{counts.get('records', 0)} allowed calls by non-root principals recorded; "
           f"{counts.get('credited', 0)} allowed by a statement of the templates below, "
           f"{counts.get('other', 0)} by other policies (the tests' own roles and users).", "",
           summary_table(entries, table, held), ""]
    if problems:
        out += ["## Unexplained", ""] + [f"- {p}" for p in problems] + [""]
    pending = [r for r in table if open_key(r) in held and not r.exercised and not r.reason]
    if pending:
        out += ["## Not yet proven (the open list; issue #13 stays open until it is empty)", "",
                "| template | role or policy | statement | action | why still open |",
                "|---|---|---|---|---|"]
        out += [f"| `{r.template}` | {r.resource} | {r.statement} | `{r.action}` | "
                f"{known[open_key(r)]} |" for r in pending] + [""]
    notes = needless_reasons(table)
    if notes:
        out += ["## Reasons no longer needed", ""] + [f"- {n}" for n in notes] + [""]
    for entry in entries:
        mine = [r for r in table if r.template == entry.template and r.resource == entry.logical_id]
        out += [f"## `{entry.template}` {entry.logical_id} ({entry.resource_type})", "",
                "| statement | action | exercised | calls, or the reason |", "|---|---|---|---|"]
        for row in mine:
            detail = _calls_text(row.calls) if row.exercised else (
                row.reason or (f"not yet proven: {known[open_key(row)]}" if open_key(row) in held
                               else "**no reason**"))
            detail = detail.replace("|", "\\|")
            exercised = "yes" if row.exercised else "no"
            out.append(f"| {row.statement} | `{row.action}` | {exercised} | {detail} |")
        out.append("")
    return "\n".join(out)


def as_json(
    entries: list[Entry], table: list[Row], counts: dict[str, int], problems: list[str],
    held: frozenset[tuple[str, str, str, str]] = frozenset(),
) -> dict[str, Any]:
    return {
        "records": counts,
        "problems": problems,
        "needless_reasons": needless_reasons(table),
        "summary": summary(entries, table, held),
        "grants": [
            {"template": r.template, "resource": r.resource, "resource_type": r.resource_type,
             "statement": r.statement, "action": r.action, "exercised": r.exercised,
             "calls": dict(sorted(r.calls.items())), "reason": r.reason,
             "not_yet_proven": open_key(r) in held}
            for r in table
        ],
    }


def load_templates(template_paths: list[str]) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for path in template_paths:
        loaded = load_template(path)
        for entry in loaded:
            other = seen.setdefault(entry.description, entry.template)
            if other != entry.template:
                raise InputError(f"{path} and {other} have the same Description: the records name "
                                 "a template by it")
        entries += loaded
    return entries


def report(
    template_paths: list[str], record_sources: list[str], open_path: str | None = None,
    write_open_path: str | None = None,
) -> tuple[str, dict[str, Any], list[str]]:
    entries = load_templates(template_paths)
    records = read_records(record_sources)
    if not records:
        raise InputError(f"no exercised-*.jsonl record in {', '.join(record_sources)}: run the "
                         "tests with STUDIO_EMULATOR_EXERCISED_DIR set")
    counts = join(entries, records)
    table = rows(entries)
    known = read_open(open_path)
    if write_open_path:
        write_open(write_open_path, table, known)
    held_rows, open_problems = open_findings(table, known)
    held = frozenset(open_key(r) for r in held_rows)
    problems = findings(entries, table, held) + open_problems
    text = markdown(entries, table, counts, problems, {k: known[k] for k in held})
    return text, as_json(entries, table, counts, problems, held), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", action="append",
                        help="a directory of exercised-*.jsonl files (or one file); repeatable")
    parser.add_argument("--reasons-only", action="store_true",
                        help="check only that each written reason names an action its resource "
                        "grants (no records needed)")
    parser.add_argument("--markdown", help="write the markdown report here")
    parser.add_argument("--json", help="write the JSON form here")
    parser.add_argument("--table", action="store_true", help="print only the summary table")
    parser.add_argument("--open", dest="open_list",
                        help="the not-yet-proven list (JSON): its grants are not failures, and an "
                        "entry that is proven now is")
    parser.add_argument("--write-open", help="write the current unexplained grants as the "
                        "not-yet-proven list (keeping each entry's why)")
    parser.add_argument("templates", nargs="*", help="templates (default: templates/*.yaml, "
                        "portfolio/portfolio.yaml)")
    args = parser.parse_args(argv)
    paths = args.templates or sorted(
        p for pattern in DEFAULT_TEMPLATES for p in glob.glob(os.path.join(ROOT, pattern))
    )
    try:
        if args.reasons_only:
            problems = stale_reasons(load_templates(paths))
            for problem in problems:
                print(f"least-privilege: {problem}", file=sys.stderr)
            return 1 if problems else 0
        if not args.records:
            parser.error("--records is required (or --reasons-only)")
        text, data, problems = report(paths, args.records, args.open_list, args.write_open)
    except InputError as error:
        print(f"least-privilege: {error}", file=sys.stderr)
        return 2
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
    if args.table:
        print(text.split("\n\n")[2])
    elif not args.markdown:
        print(text)
    for problem in problems:
        print(f"least-privilege: {problem}", file=sys.stderr)
    if problems:
        print(f"least-privilege: {len(problems)} unexplained grant(s) or stale reason(s)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
