"""``duplicates review | dismiss | merge | fold``: the review queue of likely duplicate people without a window.

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


def _choices(raw: list[str], other: str = "merged") -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--take: give FIELD=into or FIELD={other}")
        out[key.strip()] = value.strip()
    return out


def _folds(raw: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in raw:
        folded, sep, into = item.partition("=")
        if not sep or not folded.strip() or not into.strip():
            raise CliError("--fold: give PERSON_ID=PERSON_ID (the entry folded away, then the one that stays)")
        out.append((folded.strip(), into.strip()))
    return out


def cmd_merge(ctx: Context) -> int:
    from centre_desk.services.duplicates import Fold, merge_households

    folds = [Fold(a, b) for a, b in _folds(ctx.args.fold or [])]
    result = merge_households(ctx.session(), ctx.args.household_id, ctx.args.into, _choices(ctx.args.take or []),
                              folds=folds)
    moved = sum(result.records_moved.values())
    print(f"Merged {result.merged_away} into {result.household.id}: {result.people_moved} people and "
          f"{moved} records moved; the old id now opens {result.household.id}")
    for f in folds:
        print(f"Folded person {f.folded_id} into {f.into_id}")
    return EXIT_OK


def cmd_fold(ctx: Context) -> int:
    from centre_desk.services.duplicates import TAKE_FOLDED, fold_person

    result = fold_person(ctx.session(), ctx.args.person_id, ctx.args.into, _choices(ctx.args.take or [], TAKE_FOLDED))
    print(f"Folded person {result.folded_id} into {result.into_id} in household {result.household.id}; "
          f"everything recorded for {result.folded_id} now reads as {result.into_id}, and the old id leads there")
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
    dup = sub.add_parser("duplicates", help="likely duplicate people across the store: review, dismiss, merge, fold")
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
    merge.add_argument("--fold", action="append", metavar="PERSON_ID=PERSON_ID",
                       help="two people of these households who are one person: the first is folded into "
                            "the second in the same change (see 'duplicates fold')")
    merge.set_defaults(handler=cmd_merge)
    fold = cmds.add_parser("fold", help="one person entered twice in a household: fold one entry into the other")
    fold.add_argument("person_id", help="the entry folded away (its id will lead to the other)")
    fold.add_argument("--into", required=True, help="the entry that remains")
    fold.add_argument("--take", action="append", metavar="FIELD=into|folded",
                      help="for a field of the person that differs: keep the remaining entry's value "
                           "(into, the default unless it is blank) or take the folded one's; a different "
                           "date of birth needs a choice")
    fold.set_defaults(handler=cmd_fold)
