"""One-line mutations of the builder that the fast tests must catch.

Each probe replaces one line (an exact text) in one file, runs the tests named for it, and
restores the file. A probe "survives" when those tests still pass: a test is missing.

    python dev/mutation_probes.py            # every probe
    python dev/mutation_probes.py -k dedupe  # probes whose name contains "dedupe"

The probes run on this checkout's files (each restored afterwards, also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = "src/reportkit/"

# name, file, original text, mutated text, tests to run
PROBES = [
    ("suppressed prefix ignored", SRC + "filters/crossref.lua",
     'elseif citation.mode ~= "SuppressAuthor" then', "else", "tests/test_filters.py"),
    ("duplicate label check removed", SRC + "filters/crossref.lua",
     'if entries[id] then problem("xref.duplicate"', 'if false then problem("xref.duplicate"', "tests/test_filters.py"),
    ("crossref prefix option ignored", SRC + "filters/crossref.lua",
     '  return option(kind .. "-prefix", words[kind] or kind)\nend',
     "  return words[kind] or kind\nend", "tests/test_filters.py"),
    ("callout title attribute ignored", SRC + "filters/callouts.lua",
     "if div.attributes.title then", "if false then", "tests/test_filters.py"),
    ("unknown citations not reported", SRC + "filters/crossref.lua",
     "if not known_keys[c.id] then", "if false then", "tests/test_filters.py"),
    ("no-longer-an-input reason removed", SRC + "graph.py",
     'reasons.append(f"{name} is no longer an input")', "pass", "tests/test_graph.py"),
    ("same-tick mtime guard off", SRC + "fingerprint.py",
     "RECENT_SECONDS = 2.0", "RECENT_SECONDS = 0", "tests/test_fingerprint.py"),
    ("marker de-duplication removed", SRC + "pipeline.py",
     "if key in seen or (problem.rule in OUTPUT_RULES and problem.subject in explained):", "if key in seen:",
     "tests/test_pipeline.py"),
    ("clean safety guard removed", SRC + "cli.py",
     "if output == project.root or project.root not in output.parents or any(output in m.parents for m in project.main_inputs):",
     "if False:", "tests/test_cli.py"),
    ("HTML image check removed", SRC + "checks.py",
     "if not src or not (path.parent / unquote(src)).is_file():", "if False:", "tests/test_render_fixture.py"),
    ("parity compares nothing silently", SRC + "parity.py",
     "if expected.floats and not facts.captions:", "if False:", "tests/test_parity.py"),
    ("document read twice", SRC + "plan.py",
     "if main not in self._documents:", "if True:", "tests/test_pipeline.py"),
    ("quarto version not in key", SRC + "plan.py",
     'key = "|".join([engine.fingerprint(state.cache), ",".join(formats)', 'key = "|".join([",".join(formats)',
     "tests/test_quarto_engine.py"),
    ("problem subject not used to locate", SRC + "engines/base.py",
     "if problem.location is None and problem.subject:", "if False:", "tests/test_strictness.py"),
    ("required provenance setting ignored", SRC + "plan.py",
     "require_valid(package, options.required_provenance, options.data_rebuild, project.root)", "require_valid(package)",
     "tests/test_settings.py tests/test_graph.py"),
    ("system fonts allowed in figures", "analysis/style.py",
     "\nuse_bundled_fonts_only()\n", "\n", "tests/test_reproducible.py::test_figures_never_use_a_font_installed_on_the_system"),
    ("changed quoted values not listed", SRC + "manifest.py",
     "            if recorded != made:\n                found.append(f\"value", "            if False:\n                found.append(f\"value",
     "tests/test_reproducible.py::test_verify_compares_a_clean_render_with_the_manifest"),
    ("archive written in place", SRC + "archive.py",
     "partial.replace(target)", "partial.replace(target); target.write_bytes(b'')",
     "tests/test_reproducible.py::test_archive_refuses_sources_that_do_not_reproduce_the_manifest tests/test_reproducible.py::test_archive_round_trip"),
    # Quarto fidelity (issue 12): each construct's behaviour, broken in one line
    ("subfloats numbered as top-level floats", SRC + "filters/crossref.lua",
     "if parent then\n    local p = entries[parent]", "if false then\n    local p = entries[parent]",
     "tests/test_fidelity_filters.py"),
    ("subreference without its letter", SRC + "filters/crossref.lua",
     'return entries[entry.parent].number .. " (" .. entry.sub .. ")"', "return entries[entry.parent].number",
     "tests/test_fidelity_filters.py"),
    ("layout-ncol ignored", SRC + "filters/crossref.lua",
     'local ncol = tonumber(attributes["layout-ncol"] or "")', "local ncol = nil", "tests/test_fidelity_filters.py"),
    ("## top level numbered 0.1", SRC + "filters/crossref.lua",
     "local first = has_level_one and 1 or 2", "local first = 1", "tests/test_fidelity_filters.py"),
    ("custom reference prefix doubled", SRC + "filters/crossref.lua",
     "elseif citation.mode ~= \"SuppressAuthor\" then", "end\n  if citation.mode ~= \"SuppressAuthor\" then",
     "tests/test_fidelity_filters.py"),
    ("title-delim ignored", SRC + "filters/crossref.lua",
     'local function delimiter() return option("title-delim", ":") end', 'local function delimiter() return ":" end',
     "tests/test_fidelity_filters.py"),
    ("theorem heading counted as a section", SRC + "filters/crossref.lua",
     'if #content > 0 and content[1].tag == "Header" then content = pandoc.List({ table.unpack(content, 2) }) end',
     "", "tests/test_fidelity_filters.py"),
    ("equation attribute with spaces missed", SRC + "filters/crossref.lua",
     'if not text:match("^%s*{") and not text:match("^%s*$") then return nil end',
     'if not text:match("^{") then return nil end', "tests/test_fidelity_filters.py"),
    ("caption attributes left in the caption", SRC + "filters/tables.lua",
     "local kept, attr = caption_attributes(inlines)", "local kept, attr = inlines, nil", "tests/test_fidelity_filters.py"),
    ("missing anchors not reported", SRC + "filters/crossref.lua",
     'if not target or ids[target] or entries[target] or target:match("^ref%-") then return nil end',
     "do return nil end", "tests/test_fidelity_filters.py"),
    ("conditional content ignores the format", SRC + "filters/conditions.lua",
     'if name == "html" then return FORMAT:match("html") ~= nil end', 'if name == "html" then return true end',
     "tests/test_fidelity_filters.py"),
    ("meta values escaped", SRC + "shortcodes.py",
     'return " ".join(str(value).split())', "return text", "tests/test_fidelity_sources.py"),
    ("executable cells not refused", SRC + "engines/support.py",
     "return code_cells(document) + format_extensions(document)", "return format_extensions(document)",
     "tests/test_fidelity_sources.py"),
    ("format extensions not refused", SRC + "engines/support.py",
     "            if base not in BASE_FORMATS:", "            if False:", "tests/test_fidelity_sources.py"),
    ("include outside the project allowed", SRC + "shortcodes.py",
     "if self.root != child and self.root not in child.parents:", "if False:", "tests/test_fidelity_sources.py"),
    ("refusal ignored with --allow-warnings", SRC + "pipeline.py",
     "if problems and (strict or any(p.refusal for p in problems)):", "if problems and strict:",
     "tests/test_strictness.py"),
    ("inline affiliation id not declared", SRC + "metadata.py",
     "                declared.setdefault(str(item[\"id\"]), item)", "                pass", "tests/test_fidelity_sources.py"),
    ("date-format ignored", SRC + "metadata.py",
     'pattern = NAMED_DATE_FORMATS.get(str(date_format or "long"), str(date_format or "long"))',
     'pattern = "YYYY-MM-DD"', "tests/test_fidelity_sources.py"),
    ("number rules setting ignored", SRC + "lint.py",
     "rules = settings(project).number_rules", "rules = NumberRules()", "tests/test_settings.py"),
    ("late cell option not reported", SRC + "execute/cells.py",
     "if LATE_OPTION.match(line):", "if False:", "tests/test_cells_parse.py"),
    ("unknown cell option accepted", SRC + "execute/cells.py",
     "if key not in SUPPORTED and key not in NO_EFFECT:", "if False:", "tests/test_cells_parse.py"),
    ("R cells not refused", SRC + "execute/cells.py",
     "    if language != LANGUAGE:\n        need", "    if False:\n        need", "tests/test_cells_parse.py"),
    ("captions rerun the kernel", SRC + "execute/cells.py",
     'EXECUTION_OPTIONS = ("eval", "error", "fig-width", "fig-height")',
     'EXECUTION_OPTIONS = ("eval", "error", "fig-width", "fig-height", "echo")', "tests/test_cells_graph.py"),
    ("files read by cells not inputs", SRC + "execute/step.py",
     '*(last.get("reads") or [])', "*[]", "tests/test_cells_graph.py"),
    ("raising cell not an error", SRC + "execute/kernel.py",
     'if output["output_type"] == "error" and not allow_error:', "if False:", "tests/test_cells_errors.py"),
    ("warning: false ignored", SRC + "execute/markdown.py",
     'output.get("name") == "stderr" and not cell.get("warning"):', 'output.get("name") == "stderr" and False:',
     "tests/test_cells_markdown.py"),
    ("HTML-only output not refused for the PDF", SRC + "execute/markdown.py",
     'if fmt == "pdf" and mimes["pdf"] == "text/plain" and html_only(data):', "if False:",
     "tests/test_cells_markdown.py"),
    ("subcaption count unchecked", SRC + "execute/markdown.py",
     "if len(captions) != count:", "if False:", "tests/test_cells_markdown.py"),
    ("DataFrame table not unwrapped", SRC + "execute/markdown.py",
     'return ["```{=html}", *(html_table(data) or _text(data[mime])).strip("\\n").split("\\n"), "```"]',
     'return ["```{=html}", *_text(data[mime]).strip("\\n").split("\\n"), "```"]', "tests/test_cells_markdown.py"),
    ("reference to another document's float left unresolved", SRC + "filters/elsewhere.lua",
     "if links[label_of(c.id)] then found:insert(c) else rest:insert(c) end", "rest:insert(c)",
     "tests/test_filters.py"),
    ("comma before the local references of a mixed bracket dropped", SRC + "filters/elsewhere.lua",
     'if rest[1].id:match("^%a+%-") then out:insert(pandoc.Str(",")) end', "",
     "tests/test_filters.py"),
    ("Quarto engine not given the other documents' floats", SRC + "engines/quarto.py",
     "        if request.links:\n", "        if False:\n", "tests/test_quarto_engine.py"),
    ("code-fold ignored", SRC + "filters/cells.lua",
     'if not is_html() or not code.classes:includes("cell-code") or not fold or fold == "false" then return nil end',
     "do return nil end", "tests/test_cells_markdown.py"),
    ("warm Typst cache never aged", SRC + "engines/warm.py",
     "            self._ager.compile()", "            pass", "tests/test_warm_typst.py"),
    ("a quick PDF spliced into the last quick one", SRC + "quick.py",
     "            source = splice(base.read_text(encoding=\"utf-8\"), typst[\"before\"].text, typst[\"after\"].text)",
     "            source = splice(typ.read_text(encoding=\"utf-8\"), typst[\"before\"].text, typst[\"after\"].text)",
     "tests/test_quick.py"),
    ("a half-written save built", SRC + "preview.py",
     "            if again == current:\n                break", "            if True:\n                break",
     "tests/test_preview.py"),
    ("a dead worker's last words reported after its error", SRC + "steps.py",
     "        self._logs[process.pid].join(timeout=10)", "        pass", "tests/test_cli.py"),
    ("a value broken across PDF pages not found", SRC + "parity.py",
     "        return squash(value) in squashed or across_pages(value, pages)", "        return squash(value) in squashed",
     "tests/test_parity.py"),
    ("a part numbered from one, not as in its whole document", SRC + "filters/crossref.lua",
     "  if outline_read then read_outline(outline_read) end\n", "", "tests/test_quick.py"),
    ("a part's labels left out of its outline", SRC + "filters/crossref.lua",
     "  labels[#labels + 1] = id\n", "", "tests/test_quick.py"),
    ("a change that spills out of its include taken as quick", SRC + "quick.py",
     "    if old_end < start or old[:start] != new[:start] or old[old_end:] != new[end:]:",
     "    if old_end < start:", "tests/test_quick.py"),
    ("a part spliced where it occurs twice", SRC + "quick.py",
     "    if not before or whole.count(before) != 1:", "    if not before or whole.count(before) < 1:",
     "tests/test_quick.py"),
    ("a part with footnotes taken as quick", SRC + "quick.py",
     "    if any(mark in part.text for part in (before, after) for mark in NOTES):", "    if False:",
     "tests/test_quick.py"),
    ("a part's ids mixed with its whole document's", SRC + "filters/crossref.lua",
     "  for id in pairs(own_ids) do id_list[#id_list + 1] = id end", "  for id in pairs(ids) do id_list[#id_list + 1] = id end",
     "tests/test_quick.py"),
    ("a part with a new heading taken as quick", SRC + "quick.py",
     "    return HEADING.findall(before.text) == HEADING.findall(after.text)", "    return True",
     "tests/test_quick.py"),
    ("check pass skips the references", SRC + "filters/crossref.lua",
     'if el.tag == "Cite" then resolve_cite(el) else check_anchor(el) end', "", "tests/test_filters.py"),
    ("check pass notes no ids", SRC + "filters/crossref.lua",
     "  if not ids then note_ids(document.blocks) end", "  ids = ids or {}", "tests/test_filters.py"),
    ("check pass numbers nothing", SRC + "filters/crossref.lua",
     "  scan_blocks(doc.blocks)\n  for _, el in ipairs(found) do", "  for _, el in ipairs(found) do", "tests/test_filters.py"),
    ("check pass drops the other documents' floats", SRC + "engines/builtin.py",
     'if link.get("text")}', 'if not link.get("text")}', "tests/test_xref.py"),
    ("pypandoc imported to find pandoc", SRC + "engines/builtin.py",
     '    if spec is not None and spec.origin and not os.environ.get("PYPANDOC_PANDOC"):',
     "    if False:", "tests/test_check.py"),
    ("check pass skips equations although the document has some", SRC + "filters/crossref.lua",
     "  without_display_math = not display_math", "  without_display_math = true", "tests/test_filters.py"),
    ("check pass shows no format's content", SRC + "filters/conditions.lua",
     '  if settings and settings["check"] then format = pandoc.utils.stringify(settings["check"]) end', "",
     "tests/test_check.py"),
    ("check runs the HTML's pass only", SRC + "lint.py",
     '    return ("html", "pdf") if FORMAT_CONDITION.search(document.expanded.body) else ("html",)',
     '    return ("html",)', "tests/test_check.py"),
    ("check reports a problem of both formats twice", SRC + "lint.py",
     "            found += [p for p in pass_() if p not in found]",
     "            found += pass_()", "tests/test_check.py"),
    ("links file path not decoded (elsewhere.lua)", SRC + "filters/elsewhere.lua",
     "string.char(tonumber(h, 16))", "h", "tests/test_filters.py"),
    ("links file path not decoded (vars.lua)", SRC + "filters/vars.lua",
     "string.char(tonumber(h, 16))", "h", "tests/test_filters.py"),
    ("links left in the metadata file", SRC + "engines/base.py",
     "if isinstance(settings, dict) and settings.get(LINKS):", "if False:", "tests/test_filters.py"),
    ("a float's text from the links file not read as markdown", SRC + "filters/elsewhere.lua",
     "local text = text_of(entry.text)", 'local text = pandoc.utils.stringify(entry.text or "")', "tests/test_filters.py"),
    # the part server (engines/partserver.lua, partserver.py): a part as the pandoc executable renders it
    ("part server lets the writer make citations after citeproc", SRC + "engines/partserver.lua",
     'local text = pandoc.write(doc, (citeproc and writes_citations) and to .. "-citations" or to, writer)',
     "local text = pandoc.write(doc, to, writer)", "tests/test_partserver.py"),
    ("part server without pandoc's abbreviations", SRC + "engines/partserver.lua",
     "reader_options = pandoc.ReaderOptions({ abbreviations = abbreviations, columns = 72 })",
     "reader_options = pandoc.ReaderOptions({ columns = 72 })", "tests/test_partserver.py"),
    ("part server reads 80 columns", SRC + "engines/partserver.lua",
     "reader_options = pandoc.ReaderOptions({ abbreviations = abbreviations, columns = 72 })",
     "reader_options = pandoc.ReaderOptions({ abbreviations = abbreviations, columns = 80 })", "tests/test_partserver.py"),
    ("part server's warnings name the whole path", SRC + "engines/partserver.lua",
     "source = caller.short_src, line = caller.currentline }", "source = path, line = caller.currentline }",
     "tests/test_partserver.py"),
    ("part server's filters see no output file", SRC + "engines/partserver.lua",
     "local state = setmetatable({ output_file = output }", "local state = setmetatable({}", "tests/test_partserver.py"),
    ("raw HTML served without pandoc's re-rendering", SRC + "engines/partserver.py",
     'return EMBED not in args or (not answer.get("raw-html") and finish_embedding(args, self.cwd))',
     "return EMBED not in args or finish_embedding(args, self.cwd)", "tests/test_partserver.py"),
    ("embedded image without pandoc's role", SRC + "engines/partserver.py",
     'return [("role", "img"), *label,', "return [*label,", "tests/test_partserver.py"),
    ("empty attribute value kept", SRC + "engines/partserver.py",
     """text = "".join(f" {key}" if not value else f' {key}="{value}"' for key, value in attributes)""",
     """text = "".join(f' {key}="{value}"' for key, value in attributes)""", "tests/test_partserver.py"),
    ("part server's template without the executable's variables", SRC + "engines/partserver.lua",
     'writer.variables = { outputfile = output, sourcefile = input,', "writer.variables = {", "tests/test_partserver.py"),
    ("part server adds a newline to a whole document", SRC + "engines/partserver.lua",
     'if not options["--standalone"] and text:sub(-1) ~= "\\n" then', 'if text:sub(-1) ~= "\\n" then',
     "tests/test_partserver.py"),
    ("a preview's whole Typst pass by the pandoc executable", SRC + "engines/builtin.py",
     "                    if self.warm:  # a preview: the part server, which has read this metadata before",
     "                    if False:", "tests/test_partserver.py"),
    ("filters under a long path unheard", SRC + "engines/builtin.py",
     '    if source.startswith("..."):', "    if False:", "tests/test_filters.py"),
    ("references' walk does not look for display math", SRC + "filters/crossref.lua",
     'Math = function(m) if m.mathtype == "DisplayMath" then has_display_math = true end end,\n    Image', "Image",
     "tests/test_filters.py"),
    ("labelled equations not numbered after the references' walk", SRC + "filters/crossref.lua",
     "if has_display_math then doc.blocks = doc.blocks:walk({ Inlines = resolve_equations }) end", "",
     "tests/test_filters.py"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="run only probes whose name contains this")
    args = parser.parse_args()
    survived = []
    for name, file, original, mutated, tests in PROBES:
        if args.k not in name:
            continue
        path = ROOT / file
        text = path.read_text(encoding="utf-8")
        if text.count(original) != 1:
            print(f"?? {name}: the original text is not in {file} exactly once", flush=True)
            survived.append(name)
            continue
        try:
            path.write_text(text.replace(original, mutated), encoding="utf-8")
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests.split()],
                                  cwd=ROOT, capture_output=True, text=True)
        finally:
            path.write_text(text, encoding="utf-8")
        killed = done.returncode != 0
        print(f"{'killed  ' if killed else 'SURVIVED'} {name}", flush=True)
        if not killed:
            survived.append(name)
    print(f"{len(survived)} probe(s) survived" + (f": {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
