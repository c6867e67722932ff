"""``duplicates review | dismiss | merge``: the review queue of likely duplicate people without a window.

Output names people and households by id only: the reasons are fixed phrases, never a name or date.
"""

from __future__ import annotations

import argparse

from .common import EXIT_OK, CliError, Context, Parser
from .output import json_line


def cmd_review(ctx: Context) -> int:
    from centre_desk.services.duplicates import review_duplicates
    from centre_desk.wiring import person_matcher

    session = ctx.session()
    kwargs = {} if ctx.args.threshold is None else {"threshold": ctx.args.threshold}
    pairs = review_duplicates(session, person_matcher(), **kwargs)
    for p in pairs:
        if ctx.args.json:
            print(json_line({"person_ids": list(p.person_ids), "household_ids": list(p.household_ids),
                             "score": p.score, "reasons": list(p.reasons)}))
        else:
            print(f"{p.score:.2f}  people {p.person_ids[0]} {p.person_ids[1]}  households "
                  f"{p.household_ids[0]} {p.household_ids[1]}  {', '.join(p.reasons)}")
    if not pairs and not ctx.args.json:
        print("No likely duplicates.")
    return EXIT_OK


def cmd_dismiss(ctx: Context) -> int:
    from centre_desk.services.duplicates import dismiss_pair

    done = dismiss_pair(ctx.session(), ctx.args.person_a, ctx.args.person_b)
    print("Remembered: not the same person; the pair will not be offered again." if done
          else "Already remembered as not the same person.")
    return EXIT_OK


def _choices(raw: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError("--take: give FIELD=into or FIELD=merged")
        out[key.strip()] = value.strip()
    return out


def cmd_merge(ctx: Context) -> int:
    from centre_desk.services.duplicates import merge_households

    result = merge_households(ctx.session(), ctx.args.household_id, ctx.args.into, _choices(ctx.args.take or []))
    moved = sum(result.records_moved.values())
    print(f"Merged {result.merged_away} into {result.household.id}: {result.people_moved} people and "
          f"{moved} records moved; the old id now opens {result.household.id}")
    return EXIT_OK


def _threshold(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number between 0 and 1") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be a number between 0 and 1")
    return number


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    dup = sub.add_parser("duplicates", help="likely duplicate people across the store: review, dismiss, merge")
    cmds = dup.add_subparsers(dest="duplicates_command", required=True, parser_class=Parser)
    review = cmds.add_parser("review", help="likely duplicate pairs, best first")
    review.add_argument("--json", action="store_true",
                        help="one object per line: person_ids, household_ids, score, reasons")
    review.add_argument("--threshold", type=_threshold, help="lowest score offered (default: the matcher's)")
    review.set_defaults(handler=cmd_review)
    dismiss = cmds.add_parser("dismiss", help="remember that two people are not the same")
    dismiss.add_argument("person_a")
    dismiss.add_argument("person_b")
    dismiss.set_defaults(handler=cmd_dismiss)
    merge = cmds.add_parser("merge", help="merge one household into another (one audited change)")
    merge.add_argument("household_id", help="the household that is merged away (its id will open the other)")
    merge.add_argument("--into", required=True, help="the household that remains")
    merge.add_argument("--take", action="append", metavar="FIELD=into|merged",
                       help="for a household field that differs: keep the remaining household's value "
                            "(into, the default unless it is blank) or take the merged one's")
    merge.set_defaults(handler=cmd_merge)
