"""clvsim report RESULTS.h5 [-o report.html]: the command-line entry point."""
import argparse
import os
import sys
import tempfile

from .errors import BAD_INPUT, RUNTIME_FAILURE, BadInput, Failure


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="clvsim report",
                                 description="Write a self-contained HTML report of a clvsim results file.")
    ap.add_argument("results", help="results file written by clvsim run, sweep or sensitivity")
    ap.add_argument("-o", "--output", help="HTML file (default: the results file with .html)")
    ap.add_argument("-f", "--force", action="store_true", help="overwrite existing output files")
    ap.add_argument("--xlsx", metavar="PATH", help="also write an Excel workbook of the tables")
    return ap.parse_args(argv)


def write_atomically(path, data, force):
    """Write to a temporary file next to path and rename it: path is whole or absent."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            if callable(data):
                data(out)
            else:
                out.write(data)
        os.chmod(tmp, 0o644)
        if not force and os.path.exists(path):
            raise BadInput(f"{path}: exists; use --force to overwrite it")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_output(path, force):
    if os.path.isdir(path):
        raise BadInput(f"{path}: is a directory (expected an output file name)")
    if not force and os.path.exists(path):
        raise BadInput(f"{path}: exists; use --force to overwrite it")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise BadInput(f"{path}: directory {directory} does not exist")


def main(argv=None):
    import warnings

    # Infinite paybacks and undefined ratios are expected; every table handles them explicitly.
    warnings.simplefilter("ignore", RuntimeWarning)
    try:
        return run(parse_args(sys.argv[1:] if argv is None else argv))
    except BadInput as e:
        print(f"clvsim: error: {e}", file=sys.stderr)
        return BAD_INPUT
    except Failure as e:
        print(f"clvsim: failure: {e}", file=sys.stderr)
        return RUNTIME_FAILURE
    except KeyboardInterrupt:
        return RUNTIME_FAILURE


def run(a):
    from . import kinds
    from .kinds._common import Context
    from .page import Page
    from .reader import open_results

    output = a.output or os.path.splitext(a.results)[0] + ".html"
    check_output(output, a.force)
    if a.xlsx:
        check_output(a.xlsx, a.force)
        from .workbook import check_available
        check_available()
    with open_results(a.results) as f:
        kind, module = kinds.detect(f, a.results)
        ctx = Context(f, a.results, kind)
        page = Page(f"clvsim report: {os.path.basename(a.results)}")
        try:
            module.build(ctx, page)
        except KeyError as e:
            raise BadInput(f"{a.results}: {e} is missing (the file is incomplete or not of the kind its "
                           f"attributes say; see docs/results.md)") from None
        html = page.render().encode("utf-8")
        book = None
        if a.xlsx:
            from . import workbook
            book = workbook.build(ctx, module)
    write_atomically(output, html, a.force)
    if book is not None:
        write_atomically(a.xlsx, book, a.force)
    print(f"Wrote {output} ({kind} report, {page.chart_count} charts)" + (f" and {a.xlsx}" if a.xlsx else ""))
    return 0
