"""``python -m proofs_check [--slow] [--no-write] [--save-certificates]``."""
import argparse
import sys

from .report import run_report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m proofs_check", description="check every claim of the HTAF paper")
    parser.add_argument("--slow", action="store_true", help="also run checks marked slow")
    parser.add_argument("--no-write", action="store_true", help="do not write the report")
    parser.add_argument("--report-dir", default=None, help="folder for claims.md (default $HTAF_REPORT_DIR, else ./docs)")
    parser.add_argument("--mutants", action="store_true", help="also run the mutation tests (always when writing docs)")
    parser.add_argument("--save-certificates", action="store_true", help="rerun the rigorous searches and save certificates")
    args = parser.parse_args()
    if args.save_certificates:
        from .certified import save_all
        outcomes = save_all(stream=sys.stdout)
        if any(o != "verified" for o in outcomes.values()):
            print(f"not every certificate verified: {outcomes}", file=sys.stderr)
            return 1
    return run_report(include_slow=args.slow, write_docs=not args.no_write, mutants=args.mutants or None,
                      report_dir=args.report_dir)


if __name__ == "__main__":
    sys.exit(main())
