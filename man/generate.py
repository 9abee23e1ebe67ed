#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes memmap's manual pages from the text they document, so nothing is kept twice.

    generate.py HEADER README OUTDIR [PROGRAM_SOURCE...]

- One page in OUTDIR/man3 per function group of the public header: a comment
  followed by one or more MEMMAP_API declarations.  The page is named after the
  first function; the others of the group get a page that sources it (.so).
- OUTDIR/man7/memmap.7: the header's opening comment (conventions, threads),
  every function with its one-line summary, the flags and error codes from
  their #define lines, and the platform-differences table of README.md.

- OUTDIR/man1/NAME.1 for each installed program, from the opening comment
  of its source: "NAME: summary.  Description...  Usage: NAME ARGS".

A function added to the header gets its page with no other change.  Only the
standard library is used, so any Python 3 runs it.
"""
import os
import re
import sys

MANUAL = "memmap manual"


# --- Reading the header ------------------------------------------------------

class Group:
    """A documentation comment and the declarations it documents."""

    def __init__(self, comment, section):
        self.comment = comment
        self.section = section
        self.declarations = []  # (return type, name, [(type, parameter name)])

    @property
    def names(self):
        return [name for _, name, _ in self.declarations]


def comment_lines(raw):
    """The text of a /* */ comment, one string per line, the * margin removed."""
    body = raw.strip()[2:-2]
    lines = []
    for line in body.split("\n"):
        line = re.sub(r"^\s*\* ?", "", line) if re.match(r"^\s*\*", line) else line.strip()
        lines.append(line.rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def parse_declaration(text):
    match = re.match(r"MEMMAP_API\s+(.*?)\b(memmap_\w+)\s*\((.*)\)\s*;$", " ".join(text.split()))
    if not match:
        sys.exit("generate.py: cannot read the declaration %r" % text)
    return_type, name, params = match.group(1).strip(), match.group(2), match.group(3)
    parameters = []
    for param in params.split(","):
        param = param.strip()
        found = re.match(r"(.*?[\s*])(\w+)$", param)
        if param == "void" or not found:
            parameters.append((param, ""))
        else:
            parameters.append((found.group(1), found.group(2)))
    return return_type, name, parameters


def read_header(path):
    """Returns (opening comment lines, [Group], [(macro, value, comment)], version)."""
    text = open(path, encoding="utf-8").read()
    tokens = re.finditer(r"/\*.*?\*/|MEMMAP_API[^;]*;|^[ \t]*\S[^\n]*$|\n[ \t]*\n",
                         text, re.S | re.M)
    opening, groups, macros = None, [], []
    pending, section, previous_was_declaration = None, "", False
    last_comment = [""]
    for token in tokens:
        chunk = token.group(0)
        if chunk.startswith("/*"):
            lines = comment_lines(chunk)
            if lines and lines[0].startswith("SPDX-License-Identifier"):
                continue
            last_comment = lines
            if opening is None:
                opening = lines
            elif len(lines) == 1 and lines[0].startswith("---"):
                section = lines[0].strip("- ").strip()
                pending = None
            else:
                pending = lines
            previous_was_declaration = False
        elif chunk.startswith("MEMMAP_API"):
            if pending is not None or not previous_was_declaration:
                groups.append(Group(pending or [], section))
                pending = None
            groups[-1].declarations.append(parse_declaration(chunk))
            previous_was_declaration = True
        elif chunk.strip():
            define = re.match(r"\s*#define\s+(MEMMAP_\w+)\s+(\S+)\s*(/\*.*\*/)?", chunk)
            if define and not define.group(1).startswith("MEMMAP_VERSION_"):
                # Its own comment, else the one above its block ("Hints for memmap_advise.").
                comment = comment_lines(define.group(3))[0] if define.group(3) else last_comment[0]
                macros.append((define.group(1), define.group(2).strip("()"), comment.rstrip(".")))
            # Any other line (a #define, a typedef) ends what a pending comment documents.
            pending = None
            previous_was_declaration = False
        else:
            previous_was_declaration = False
    version = ".".join(
        re.search(r"#define MEMMAP_VERSION_%s +([0-9]+)" % part, text).group(1)
        for part in ("MAJOR", "MINOR", "PATCH"))
    check_error_map(text, macros)
    return opening or [], groups, macros, version


def check_error_map(text, macros):
    """The error codes' #define lines (values, documentation) and the entries
    of MEMMAP_ERRNO_MAP (messages) must name the same codes in the same order.
    The compiler rejects an entry with no #define; only this finds a #define
    with no entry, which memmap_strerror would call an unknown error."""
    found = re.search(r"#define MEMMAP_ERRNO_MAP\(\w+\)((?:[^\n]*\\\n)*[^\n]*)", text)
    if not found:
        sys.exit("generate.py: no MEMMAP_ERRNO_MAP in the header")
    mapped = ["MEMMAP_" + name for name in re.findall(r"\b\w+\(\s*(E\w+)\s*,", found.group(1))]
    defined = [macro for macro, value, _ in macros if value.startswith("-")]
    if mapped != defined:
        sys.exit("generate.py: the error codes' #define lines and MEMMAP_ERRNO_MAP differ:\n"
                 "  defined: %s\n  mapped:  %s" % (" ".join(defined), " ".join(mapped)))


def read_platform_table(path):
    """The rows of the table under "## Platform differences" in README.md."""
    rows, in_section = [], False
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            in_section = line.strip() == "## Platform differences"
            continue
        if in_section and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if all(re.fullmatch(r"-+", cell) for cell in cells):
                continue
            rows.append(cells)
    return rows


# --- Writing roff --------------------------------------------------------------

def escape(text):
    """Plain text as roff: backslashes and minus signs escaped."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def inline(text):
    """Escaped text with memmap's own names in bold."""
    text = escape(text)
    text = re.sub(r"\b(memmap_\w+)\(\)", r"\\fB\1\\fP()", text)
    text = re.sub(r"\b(MEMMAP_(?:\w|\\-)+)", r"\\fB\1\\fP", text)
    return text


def markdown_inline(text):
    """A README table cell as roff: `code` in bold, **strong** in bold."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append("\\fB" + escape(part[1:-1]) + "\\fP")
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fP", escape(part)))
    return "".join(out)


def line_safe(text):
    """Text that begins a roff line must not start with a control character."""
    return "\\&" + text if text[:1] in (".", "'") else text


def paragraphs(lines):
    """Comment lines as roff: blank lines separate paragraphs, "- " starts a
    bullet, "label: text" starts a paragraph of its own, deeper indentation
    continues the line above."""
    blocks = []  # (kind, text) with kind "p" or "bullet"
    for line in lines:
        stripped = line.strip()
        if not stripped:
            blocks.append(None)
        elif stripped.startswith("- "):
            blocks.append(("bullet", stripped[2:]))
        elif (line.startswith(" ") and blocks and blocks[-1] is not None) or (
                blocks and blocks[-1] is not None and blocks[-1][0] == "p"
                and not re.match(r"^[a-z_]+: ", stripped)):
            kind, text = blocks[-1]
            blocks[-1] = (kind, text + " " + stripped)
        else:
            blocks.append(("p", stripped))
    blocks = [block for block in blocks if block is not None]
    out = []
    for index, (kind, text) in enumerate(blocks):
        next_kind = blocks[index + 1][0] if index + 1 < len(blocks) else None
        if kind == "p" and next_kind == "bullet" and len(text.split()) <= 3 and text[-1:].isalnum():
            out.append(".SS " + escape(text))  # a short title over a list: "Thread safety"
        elif kind == "bullet":
            out.append(".IP \\(bu 2")
            out.append(line_safe(inline(text)))
        else:
            out.append(".PP")
            out.append(line_safe(inline(text)))
    return out


def summary(group):
    """The NAME line's description: the comment's first sentence."""
    text = " ".join(line.strip() for line in group.comment if line.strip())
    if not text:
        return "part of the memmap library"
    sentence = re.split(r"(?<=[.:;])\s", text, maxsplit=1)[0].rstrip(".:;")
    first_word = sentence.split(" ", 1)[0]
    if first_word[1:] == first_word[1:].lower() and not first_word.startswith("memmap_"):
        sentence = sentence[0].lower() + sentence[1:]  # an ordinary word, not a name
    return sentence


def synopsis_line(return_type, name, parameters):
    """A .BI request: types in bold, parameter names in italics."""
    pieces = []
    literal = "%s%s%s(" % (return_type, "" if return_type.endswith("*") else " ", name)
    for index, (ptype, pname) in enumerate(parameters):
        literal += ("" if index == 0 else ", ") + ptype
        if pname:
            pieces.append('"%s"' % escape(literal))
            pieces.append(pname)
            literal = ""
    literal += ");"
    pieces.append('"%s"' % escape(literal))
    return ".BI " + " ".join(pieces)


def header_lines(title, section, version, source="include/memmap.h"):
    return ['.\\" Generated by man/generate.py from %s; edit that, not this.' % source,
            '.TH %s %s "" "memmap %s" "%s"' % (title.upper(), section, version, MANUAL)]


def function_page(group, all_groups, version):
    name = group.names[0]
    out = header_lines(name, 3, version)
    out += [".SH NAME", "%s \\- %s" % (", ".join(escape(n) for n in group.names), escape(summary(group)))]
    out += [".SH LIBRARY", "memmap (\\fIlibmemmap\\fP, \\fI\\-lmemmap\\fP)"]
    out += [".SH SYNOPSIS", ".nf", ".B #include <memmap.h>", ".PP"]
    out += [synopsis_line(*declaration) for declaration in group.declarations]
    out += [".fi", ".SH DESCRIPTION"]
    out += paragraphs(group.comment) or [".PP", "Not documented in the header."]
    if group.declarations[0][0] == "int" and not re.match(r"(The|A|An) ", summary(group)):
        out += [".SH RETURN VALUE", ".PP",
                "0 on success, or a negative \\fBMEMMAP_E\\fP* code: see \\fBERRORS\\fP in",
                ".BR memmap (7)."]
    related = [g.names[0] for g in all_groups if g.section == group.section and g is not group]
    out += [".SH SEE ALSO"]
    out += [".BR %s (3)," % escape(other) for other in related]
    out += [".BR memmap (7)"]
    return "\n".join(out) + "\n"


def overview_page(opening, groups, macros, rows, version):
    out = header_lines("memmap", 7, version)
    title = re.sub(r"^memmap: *", "", opening[0]).rstrip(".") if opening else "memory maps"
    out += [".SH NAME", "memmap \\- " + escape(title)]
    out += [".SH SYNOPSIS", ".nf", ".B #include <memmap.h>", ".fi", ".PP",
            "Link with \\fI\\-lmemmap\\fP, or use \\fBpkg\\-config \\-\\-cflags \\-\\-libs memmap\\fP,",
            "or \\fBfind_package(memmap)\\fP and the CMake target \\fBmemmap::memmap\\fP."]
    out += [".SH DESCRIPTION"] + paragraphs(opening[1:])
    out += [".SH FUNCTIONS"]
    section = None
    for group in groups:
        if group.section != section:
            section = group.section
            out += [".SS " + escape(section)]
        out += [".TP", ", ".join("\\fB%s\\fP(3)" % escape(n) for n in group.names),
                line_safe(inline(summary(group))) + "."]
    for title, errors in (("FLAGS AND CONSTANTS", False), ("ERRORS", True)):
        out += [".SH " + title]
        if errors:
            out += [".PP", "Functions returning \\fBint\\fP return 0 or one of these codes,",
                    "the same values on every platform."]
        for macro, value, comment in macros:
            if (value.startswith("-") or macro == "MEMMAP_OK") == errors and comment:
                out += [".TP", "\\fB%s\\fP (%s)" % (escape(macro), escape(value)),
                        line_safe(inline(comment[0].upper() + comment[1:])) + "."]
    if rows:
        heading, body = rows[0], rows[1:]
        out += [".SH PLATFORM DIFFERENCES", ".PP",
                "Where Linux and Windows really differ, how and why:"]
        for row in body:
            out += [".TP 4", ".B " + line_safe(markdown_inline(row[0]))]
            first = True
            for label, cell in zip(heading[1:], row[1:]):
                if not cell:
                    continue
                if not first:
                    out += [".br"]
                out += [line_safe("%s: %s" % (escape(label), markdown_inline(cell)))]
                first = False
    out += [".SH SEE ALSO"]
    out += [".BR %s (3)," % escape(group.names[0]) for group in groups[:-1]]
    out += [".BR %s (3)" % escape(groups[-1].names[0])]
    return "\n".join(out) + "\n"


def program_help(text):
    """The text of a program's `static const char help_text[]`, a run of C
    string literals, or None."""
    match = re.search(r"help_text\[\]\s*=\s*((?:\s*\"(?:[^\"\\]|\\.)*\")+)\s*;", text)
    if not match:
        return None
    pieces = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
    joined = "".join(pieces)
    return joined.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\").strip("\n")


def program_page(source, version):
    """A section 1 page from a program's opening comment."""
    text = open(source, encoding="utf-8").read()
    comments = [comment_lines(c) for c in re.findall(r"/\*.*?\*/", text, re.S)]
    comment = next((c for c in comments if c and not c[0].startswith("SPDX-License-Identifier")), None)
    name = os.path.splitext(os.path.basename(source))[0]
    if not comment or not comment[0].startswith(name + ":"):
        sys.exit("generate.py: %s does not open with a comment \"%s: summary...\"" % (source, name))
    usage = [line for line in comment if line.startswith("Usage: ")]
    body = [line for line in comment if not line.startswith("Usage: ")]
    body[0] = body[0][len(name) + 1:].strip()
    body[0] = body[0][0].upper() + body[0][1:]
    out = header_lines(name, 1, version, os.path.basename(source))
    out += [".SH NAME", "%s \\- %s" % (escape(name), escape(summary(Group(body, ""))))]
    if usage:
        words = usage[0][len("Usage: "):].split()
        out += [".SH SYNOPSIS", ".B " + escape(words[0])]
        out += [".I " + escape(word) for word in words[1:]]
    out += [".SH DESCRIPTION"] + paragraphs(body)
    help_text = program_help(text)
    if help_text:
        # The program's own --help, so the page and the program never disagree.
        out += [".SH OPTIONS", ".nf"] + [line_safe(escape(line)) for line in help_text.splitlines()] + [".fi"]
    out += [".SH SEE ALSO", ".BR memmap (7)"]
    return "\n".join(out) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as page:
        page.write(text)


def main(argv):
    if len(argv) < 4:
        sys.exit("usage: generate.py HEADER README OUTDIR [PROGRAM_SOURCE...]")
    header, readme, outdir = argv[1:4]
    opening, groups, macros, version = read_header(header)
    if not groups:
        sys.exit("generate.py: no MEMMAP_API declarations in %s" % header)
    for group in groups:
        first = group.names[0]
        write(os.path.join(outdir, "man3", first + ".3"), function_page(group, groups, version))
        for other in group.names[1:]:
            write(os.path.join(outdir, "man3", other + ".3"), ".so man3/%s.3\n" % first)
    write(os.path.join(outdir, "man7", "memmap.7"),
          overview_page(opening, groups, macros, read_platform_table(readme), version))
    for source in argv[4:]:
        name = os.path.splitext(os.path.basename(source))[0]
        write(os.path.join(outdir, "man1", name + ".1"), program_page(source, version))


if __name__ == "__main__":
    main(sys.argv)
